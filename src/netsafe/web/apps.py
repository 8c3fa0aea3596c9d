from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "netsafe.web"
    label = "web"
    verbose_name = "NetSafe site"

    def ready(self) -> None:
        # Registers the check that the compiled Welsh catalogue is present and current, and
        # the end-of-request reset of the page language.
        from . import catalogues, language, pgtime  # noqa: F401

        pgtime.connect()
