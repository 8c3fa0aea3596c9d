"""The prevention app."""

from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "netsafe.prevention"
    label = "prevention"
    verbose_name = "Prevention (helpline and self-help)"
