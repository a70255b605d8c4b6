"""Keeping a locker open between pages, and locking it again.

The locker's key must outlive one request but never be stored where one leak reveals it. So
it is split: the session (in the database) holds the key sealed with a random key that lives
only in a cookie in the person's browser. The database alone cannot open it, nor can the
cookie alone. Locking drops both; so does "Exit this page", and so does closing the browser
(both cookies are session cookies). After LOCKER_IDLE_SECONDS without a page or a "stay
unlocked", the locker locks itself.
"""

import base64
import binascii
import contextlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from reclaim.locker import Locker, LockerError, SealError, seal_bytes, unseal_bytes

COOKIE = "reclaim_locker"
SESSION_KEY = "locker"
SEALING_NAME = b"web-session"


@dataclass(frozen=True)
class OpenLocker:
    """The locker open for this request, and the reference of the folder it lives in."""

    box: Locker
    ref: str


def open_for(request: HttpRequest, response: HttpResponse, box: Locker, ref: str) -> None:
    """Remember that this browser has the locker open (a fresh session id, to be safe)."""
    cookie_key = secrets.token_bytes(32)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "ref": ref,
        "key": base64.b64encode(seal_bytes(cookie_key, SEALING_NAME, box.session_key())).decode(),
        "seen": time.time(),
    }
    response.set_cookie(
        COOKIE,
        base64.urlsafe_b64encode(cookie_key).decode(),
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def current(request: HttpRequest) -> OpenLocker | None:
    """Return the locker this browser has open, or None if it is locked (or idle too long)."""
    state = request.session.get(SESSION_KEY)
    cookie = request.COOKIES.get(COOKIE)
    if not state or not cookie:
        return None
    if time.time() - float(state["seen"]) > settings.LOCKER_IDLE_SECONDS:
        lock(request)
        request.locked_when_idle = True  # type: ignore[attr-defined]  # read by the views
        request.locked_ref = str(state["ref"])  # type: ignore[attr-defined]  # for a draft
        return None
    try:
        cookie_key = base64.urlsafe_b64decode(cookie)
        master = unseal_bytes(cookie_key, SEALING_NAME, base64.b64decode(state["key"]))
        box = Locker.resume(locker_folder(state["ref"]), master)
    except (binascii.Error, ValueError, SealError, LockerError):
        lock(request)
        return None
    return OpenLocker(box, str(state["ref"]))


def is_open(request: HttpRequest) -> bool:
    """Return whether this browser holds an open locker's sealed key and its cookie.

    A cheap first look (nothing is unsealed) for deciding, before a body is read, whether a
    large one is welcome; the view still opens the locker with ``current``.
    """
    state = request.session.get(SESSION_KEY)
    if not state or not request.COOKIES.get(COOKIE):
        return False
    return time.time() - float(state["seen"]) <= settings.LOCKER_IDLE_SECONDS


def seen_now(request: HttpRequest) -> int:
    """Note activity (the idle clock starts again); return the seconds until auto-lock."""
    state = request.session.get(SESSION_KEY)
    if state:
        state["seen"] = time.time()
        request.session.modified = True
    return int(settings.LOCKER_IDLE_SECONDS)


def lock(request: HttpRequest, response: HttpResponse | None = None) -> None:
    """Forget the open locker: its sealed key in the session and, given a response, the cookie.

    This process forgets the custody entries it keeps of that locker too (Locker.forget).
    """
    state = request.session.pop(SESSION_KEY, None)
    if state:
        with contextlib.suppress(LockerError):
            Locker.forget(locker_folder(str(state["ref"])))
    if response is not None:
        response.delete_cookie(COOKIE, samesite="Strict")


def locker_folder(ref: str) -> Path:
    """Return the folder of a locker from its reference ("personal", or an account's id)."""
    if ref == "personal":
        return Path(settings.LOCKER_DIR)
    if not ref.isalnum():
        raise LockerError("not a locker reference")
    return Path(settings.LOCKERS_DIR) / ref
