from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """A helpline's console: cases, addresses, staff, the audit log (service mode only)."""

    name = "reclaim.web.console"
    label = "console"
    default_auto_field = "django.db.models.BigAutoField"
