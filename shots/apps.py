from django.apps import AppConfig


class ShotsConfig(AppConfig):
    name = "shots"
    verbose_name = "Shots and takes"
    default_auto_field = "django.db.models.BigAutoField"
