from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "reclaim.web.sharing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Keep in the locker the withdrawals the worker got through, before each change."""
        # Imported here: models cannot be imported before every app is loaded.
        from reclaim.web.access.changes import before_change
        from reclaim.web.sharing import services

        before_change(services.catch_up)
