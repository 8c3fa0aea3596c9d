"""Staff pages of the helpline, under ``/prevention/``."""

from django.urls import path

from . import views

app_name = "prevention"

urlpatterns = [
    path("", views.today, name="today"),
    path("contacts/new/", views.contact_new, name="contact-new"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/escalate/", views.escalate, name="escalate"),
    path("escalations/", views.escalations, name="escalations"),
    path("trends/", views.trends, name="trends"),
    path("how-they-heard/", views.heard, name="heard"),
]
