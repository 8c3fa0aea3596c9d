"""Casework: referrals, subjects, risk, warrants, arrests, devices, safeguarding, outcomes."""

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Tracks every casework model in the audit log (state changes: casework.services)."""

    name = "netsafe.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from django.apps import apps

        from netsafe.audit import track

        # Every create, change and delete of casework goes into the audit log.
        track(*apps.get_app_config(self.label).get_models())
        # ... and has the home page's figures counted again.
        from . import figures

        figures.watch_changes()
