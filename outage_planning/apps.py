from django.apps import AppConfig


class OutagePlanningConfig(AppConfig):
    name = "outage_planning"
