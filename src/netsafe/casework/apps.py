from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "netsafe.casework"
    label = "casework"
