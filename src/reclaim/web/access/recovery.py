"""The recovery code of a new locker, kept until the person has written it down.

The code is shown once the locker is made, and again on a reload, until the person says they
have written it down: meanwhile it waits in the session sealed to the locker's inbox key (only
the open locker reads it), and every locker page leads back to it. Once they confirm, it is
forgotten, and nobody can show it again.
"""

import base64

from django.http import HttpRequest

from reclaim.locker import Locker, LockerError, SealError
from reclaim.web.access.session import OpenLocker, locker_folder

WAITING = "recovery_code"
LABEL = "web-recovery-code"


def keep(request: HttpRequest, ref: str, code: str) -> None:
    """Keep ``code`` sealed in the session until the person confirms they wrote it down."""
    try:
        sealed = Locker.seal_note(locker_folder(ref), LABEL, code.encode())
    except LockerError:  # cannot happen for a locker just made; the code is then shown no more
        return
    request.session[WAITING] = {"ref": ref, "sealed": base64.b64encode(sealed).decode()}


def waiting(request: HttpRequest) -> bool:
    """Return whether a recovery code waits to be confirmed."""
    return WAITING in request.session


def shown(request: HttpRequest, opened: OpenLocker) -> str | None:
    """Return the waiting recovery code of the open locker, or None."""
    kept = request.session.get(WAITING)
    if not kept or kept["ref"] != opened.ref:
        return None
    try:
        return opened.box.open_note(LABEL, base64.b64decode(kept["sealed"])).decode()
    except (ValueError, SealError):
        return None


def forget(request: HttpRequest) -> None:
    """Forget the recovery code: the person has written it down."""
    request.session.pop(WAITING, None)
