from django.apps import AppConfig


class RemovalsConfig(AppConfig):
    name = "reclaim.web.removals"
    default_auto_field = "django.db.models.BigAutoField"
