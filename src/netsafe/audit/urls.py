from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("<int:seq>/", views.entry_detail, name="detail"),
    path("check/", views.chain_check, name="check"),
]
