"""Audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "netsafe.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from . import checkpoint, signals

        signals.connect()
        checkpoint.connect()
