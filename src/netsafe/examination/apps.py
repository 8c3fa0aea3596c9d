"""Examination: triage jobs, their results on the exhibit, and grading."""

from django.apps import AppConfig


class ExaminationConfig(AppConfig):
    """Tracks triage jobs in the audit log (grades are recorded explicitly, with their reason)."""

    name = "netsafe.examination"
    label = "examination"
    verbose_name = "Examination"

    def ready(self) -> None:
        from netsafe.audit import track

        from .models import TriageJob

        track(TriageJob)
