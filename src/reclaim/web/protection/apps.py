from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProtectionConfig(AppConfig):
    """Protection cases, the hash bank, and the platform API."""

    name = "reclaim.web.protection"
    label = "protection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Seal PIN hashes made before RECLAIM_PIN_PEPPER was set, after every migrate."""
        post_migrate.connect(_seal_pins, sender=self)


def _seal_pins(**_: Any) -> None:
    from reclaim.web.protection import pins  # needs the models, loaded after ready()

    pins.seal_all()
