from django.apps import AppConfig
from django.conf import settings


class SupportConfig(AppConfig):
    """The survivor support site: start page, plans, guides, exercises and helplines."""

    name = "reclaim.web.support"
    label = "support"

    def ready(self) -> None:
        from reclaim.web.locales import compile_catalogs
        from reclaim.web.support.content import library

        for locale_dir in settings.LOCALE_PATHS:
            compile_catalogs(locale_dir)
        library()  # a broken content file stops start-up here, naming the file and the rule
