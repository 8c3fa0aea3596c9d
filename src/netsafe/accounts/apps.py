from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netsafe.accounts"
    label = "accounts"
    verbose_name = "Forces and users"

    def ready(self) -> None:
        from netsafe.audit import track

        from .models import Force, User

        # Who may see what is itself personal-data processing: log every change.
        track(Force, User)
