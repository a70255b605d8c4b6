from django.apps import AppConfig


class RemovalsConfig(AppConfig):
    name = "reclaim.web.removals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Record the re-checks the worker made, and re-arm the watches, before each change."""
        # Imported here: models cannot be imported before every app is loaded.
        from reclaim.web.access.changes import before_change
        from reclaim.web.removals.services import watches

        before_change(watches.catch_up)
