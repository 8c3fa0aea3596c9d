from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "netsafe.audit"
    label = "audit"
