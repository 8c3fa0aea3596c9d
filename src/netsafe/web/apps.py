from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "netsafe.web"
    label = "web"
    verbose_name = "NetSafe site"
