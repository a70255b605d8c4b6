"""manage.py bankindex save: write the match index to BANK_INDEX_DIR for a fast restart."""

import argparse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from reclaim.web.protection import index


class Command(BaseCommand):
    help = "Save the bank's match index (memory-mapped segment files), so a restart loads it."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("action", choices=["save"])

    def handle(self, *args: Any, **options: Any) -> None:
        current = index.current()
        current.save(settings.BANK_INDEX_DIR)
        self.stdout.write(
            f"Saved {len(current.images)} picture hashes and {len(current.frames)} video frames "
            f"to {settings.BANK_INDEX_DIR} (feed cursor {current.cursor})."
        )
