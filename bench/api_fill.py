"""Fill a fresh database with a bank for bench/api.py: one PDQ hex per line on stdin.

Writes the entries and the bank's change log with plain SQL (the ORM would take minutes for a
million rows), as bank.activate_received would leave them before the next batch of the feed
is published: active, not yet in the feed, one tick of the clock that match indexes follow.
Then prints a new platform token on the last line.
"""

import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from reclaim.web.protection import tokens
    from reclaim.web.protection.models import BankClock, Platform, ProtectionCase

    call_command("migrate", interactive=False, verbosity=0)
    values = sys.stdin.read().split()
    case = ProtectionCase.objects.create(number="BENCH00000", pin_hash="-")
    now = timezone.now().isoformat()
    entries = (
        "INSERT INTO protection_bankentry (id, public_id, case_id, signal_type, value, quality, "
        "fingerprint, status, feed_status, created) "
        "VALUES (%s, %s, %s, 'ImagePDQ', %s, 100, %s, 'Active', '', %s)"
    )
    changes = (
        "INSERT INTO protection_bankchange (id, entry_id, status, published, at) "
        "VALUES (%s, %s, 'Active', %s, %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        rows = [(i + 1, f"{i + 1:024x}", case.id, v, v, now) for i, v in enumerate(values)]
        cursor.executemany(entries, rows)
        cursor.executemany(changes, [(i + 1, i + 1, False, now) for i in range(len(values))])
    BankClock.objects.create(id=1, ticks=1)
    print(tokens.issue(Platform.objects.create(name="Bench")))


if __name__ == "__main__":
    main()
