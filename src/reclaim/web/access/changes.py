"""Catching up before a change: what the worker left for a locker is kept on the next POST.

Pages that only show (GET) never write. What arrived while the person was away (captures
sealed into the inbox, re-check results waiting in the database) is shown merged in, in
memory, and written into the locker just before the person's next change: every POST through
``needs_open_locker``, and unlocking. Each feature app connects a receiver to
``before_change`` in its AppConfig.ready, so that access never imports a feature app.
"""

import logging

from django.dispatch import Signal

from reclaim.web.access.session import OpenLocker

log = logging.getLogger(__name__)

# Sent with ``opened`` (the OpenLocker) before a change; receivers fold in what waits for it.
before_change = Signal()


def catch_up(opened: OpenLocker) -> None:
    """Have every feature app keep in the locker what waits for it.

    What arrived in the background must never stand between the person and their own change,
    or their locker: a receiver that fails is logged (its name and the kind of error, never
    evidence) and the change goes ahead; what waits stays waiting for the next change.
    """
    for receiver, outcome in before_change.send_robust(sender=OpenLocker, opened=opened):
        if isinstance(outcome, Exception):
            name = getattr(receiver, "__qualname__", repr(receiver))
            log.error("catching up before a change failed in %s: %s", name, type(outcome).__name__)
