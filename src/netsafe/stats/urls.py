from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
]
