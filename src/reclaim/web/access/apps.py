from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Tries at secrets and calls per client, counted in the database."""

    name = "reclaim.web.access"
    label = "access"
    default_auto_field = "django.db.models.BigAutoField"
