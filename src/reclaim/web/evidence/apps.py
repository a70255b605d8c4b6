from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The evidence locker: set-up, unlock, incidents, evidence, captures and packs."""

    name = "reclaim.web.evidence"
    label = "evidence"
