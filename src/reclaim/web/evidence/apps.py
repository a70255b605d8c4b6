from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The evidence locker: set-up, unlock, incidents, evidence, captures and packs."""

    name = "reclaim.web.evidence"
    label = "evidence"

    def ready(self) -> None:
        """Keep arrived captures in the locker before each change the person makes."""
        # Imported here: models cannot be imported before every app is loaded.
        from reclaim.web.access.changes import before_change
        from reclaim.web.evidence import arrivals

        before_change(arrivals.keep)
