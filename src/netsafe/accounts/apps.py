from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "netsafe.accounts"
    label = "accounts"
    verbose_name = "Forces and users"
