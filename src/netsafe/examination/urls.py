"""Examination pages: the queue, triage jobs, their reports, the review grid and grades."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "examination"

urlpatterns = [
    path("", views.queue_list, name="queue"),
    path("devices/<int:pk>/triage/", views.queue, name="queue-device"),
    path("jobs/<int:pk>/status/", views.status, name="status"),
    path("jobs/<int:pk>/report/", views.report, name="report"),
    path("jobs/<int:pk>/review/", views.review, name="review"),
    path("jobs/<int:pk>/undo/", views.undo, name="undo"),
    path("images/<int:pk>/", views.image, name="image"),
    path("images/<int:pk>/view/", views.item, name="item"),
    path("images/<int:pk>/grade/", views.grade, name="grade"),
    path("images/<int:pk>/split/", views.split, name="split"),
    path("review-settings/", views.review_settings, name="review-settings"),
]
