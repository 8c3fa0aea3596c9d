from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "netsafe.stats"
    label = "stats"
    verbose_name = "Statistics"
