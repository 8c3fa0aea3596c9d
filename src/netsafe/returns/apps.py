from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "netsafe.returns"
    label = "returns"
    verbose_name = "Operation returns"
