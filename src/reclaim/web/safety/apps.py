from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """Leaving quickly, privacy headers and logs that say nothing about what a person reads."""

    name = "reclaim.web.safety"
    label = "safety"
