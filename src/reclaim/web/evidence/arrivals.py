"""Captures that arrived while the person was away: shown at once, kept on the next change.

The worker seals each finished capture into the locker's inbox. Showing a page never writes,
so the overview lists what waits there (``waiting``), read with the open locker; just before
the person's next change (reclaim.web.access.changes), ``keep`` turns each delivery into
items with their custody entries, asks the authorities to timestamp them, and forgets the
finished capture tasks.
"""

from reclaim.locker import Delivery
from reclaim.web.access import lockers
from reclaim.web.access.session import OpenLocker
from reclaim.web.evidence import tasks


def waiting(opened: OpenLocker) -> list[Delivery]:
    """Return the deliveries waiting in the inbox, oldest first; writes nothing."""
    return opened.box.deliveries()


def keep(opened: OpenLocker) -> None:
    """Keep every waiting delivery in the locker (run by access before each change)."""
    opened.box.accept_deliveries()
    lockers.timestamp_arrivals(opened.box)  # these, and what was kept while one was away
    tasks.forget_done(opened.ref)
