"""Catching up before a change: what the worker left for a locker is kept on the next POST.

Pages that only show (GET) never write. What arrived while the person was away (captures
sealed into the inbox, re-check results waiting in the database) is shown merged in, in
memory, and written into the locker just before the person's next change: every POST through
``needs_open_locker``, unlocking and recovering. Each feature app registers what it keeps with
``before_change`` in its AppConfig.ready, so that access never imports a feature app.

A list of functions rather than a django.dispatch.Signal: Signal.send_robust logs a failing
receiver's message and traceback, which may name an address the person captured or reported;
here only the keeper's name and the kind of error are logged.
"""

import logging
from collections.abc import Callable

from reclaim.web.access.session import OpenLocker

log = logging.getLogger(__name__)

# A keeper writes into the open locker what waits for it (and clears it where it waited).
Keeper = Callable[[OpenLocker], None]
_keepers: list[Keeper] = []


def before_change(keeper: Keeper) -> None:
    """Have ``keeper`` run before each change the person makes (once, however often asked)."""
    if keeper not in _keepers:
        _keepers.append(keeper)


def forget(keeper: Keeper) -> None:
    """Stop running ``keeper`` before changes (for tests)."""
    if keeper in _keepers:
        _keepers.remove(keeper)


def catch_up(opened: OpenLocker) -> None:
    """Have every feature app keep in the locker what waits for it.

    What arrived in the background must never stand between the person and their own change,
    or their locker: a keeper that fails is logged (its name and the kind of error, never its
    message) and the change goes ahead; what waits stays waiting for the next change.
    """
    for keeper in list(_keepers):
        try:
            keeper(opened)
        except Exception as error:  # any failure: logged by kind, change goes on
            name = f"{keeper.__module__}.{keeper.__qualname__}"
            log.error("catching up before a change failed in %s: %s", name, type(error).__name__)
