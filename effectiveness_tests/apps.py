from django.apps import AppConfig


class EffectivenessTestsConfig(AppConfig):
    name = "effectiveness_tests"
