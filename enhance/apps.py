from django.apps import AppConfig


class EnhanceConfig(AppConfig):
    name = "enhance"
