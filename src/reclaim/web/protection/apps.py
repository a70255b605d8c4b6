from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    """Protection cases, the hash bank, and the platform API."""

    name = "reclaim.web.protection"
    label = "protection"
    default_auto_field = "django.db.models.BigAutoField"
