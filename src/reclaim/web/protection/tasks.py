"""The protection app's background jobs: activating received hashes, saving the match index.

Both are periodic jobs declared in reclaim.web.worker.jobs; the work lives in
reclaim.web.protection.bank and reclaim.web.protection.index.
"""

from django.conf import settings
from django_tasks import task

from reclaim.web.protection import bank, index


@task()
def activate_hashes() -> int:
    """Make received hashes active (served to platforms); return how many."""
    return bank.activate_received()


@task()
def save_bank_index() -> int:
    """Save the match index to BANK_INDEX_DIR (a restart only catches up); return its cursor."""
    current = index.current()
    current.save(settings.BANK_INDEX_DIR)
    return current.cursor
