"""Examination pages: the queue, triage jobs, their reports, the review grid and grades."""

from __future__ import annotations

from django.urls import path

from . import bank_views, charging_views, views

app_name = "examination"

urlpatterns = [
    path("", views.queue_list, name="queue"),
    path("devices/<int:pk>/triage/", views.queue, name="queue-device"),
    path("jobs/<int:pk>/status/", views.status, name="status"),
    path("jobs/<int:pk>/report/", views.report, name="report"),
    path("jobs/<int:pk>/report/<path:name>", views.report, name="report-file"),
    path("jobs/<int:pk>/review/", views.review, name="review"),
    path("jobs/<int:pk>/undo/", views.undo, name="undo"),
    path("images/<int:pk>/", views.image, name="image"),
    path("images/<int:pk>/view/", views.item, name="item"),
    path("images/<int:pk>/grade/", views.grade, name="grade"),
    path("images/<int:pk>/split/", views.split, name="split"),
    path("review-settings/", views.review_settings, name="review-settings"),
    path("jobs/<int:pk>/leads/", charging_views.job_leads, name="leads"),
    path("devices/<int:pk>/charging/", charging_views.device_charging, name="charging-device"),
    path(
        "devices/<int:pk>/charging/pdf/",
        charging_views.device_charging_pdf,
        name="charging-device-pdf",
    ),
    path("subjects/<int:pk>/charging/", charging_views.subject_charging, name="charging-subject"),
    path(
        "subjects/<int:pk>/charging/pdf/",
        charging_views.subject_charging_pdf,
        name="charging-subject-pdf",
    ),
    path("bank/", bank_views.bank_page, name="bank"),
    path("bank/export/vics/", bank_views.export_vics, name="bank-export-vics"),
    path("bank/export/csv/", bank_views.export_csv, name="bank-export-csv"),
    path("bank/disagreements/", bank_views.disagreement_list, name="disagreements"),
    path("bank/disagreements/<int:pk>/", bank_views.disagreement_detail, name="disagreement"),
    path(
        "bank/disagreements/<int:pk>/picture/",
        bank_views.disagreement_image,
        name="disagreement-image",
    ),
    path(
        "bank/disagreements/<int:pk>/resolve/",
        bank_views.disagreement_resolve,
        name="disagreement-resolve",
    ),
]
