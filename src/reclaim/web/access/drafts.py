"""Keeping what a person typed when the locker locked itself under them.

A form posted to a locked locker (or handed over by the page's script as it locks) is neither
saved nor thrown away: its fields are sealed to the locker's inbox key, which only the owner
can read with the locker open, and kept in the session beside the address of the form. After
unlocking, the person is sent back to that form, filled in again, to check and send. The text
is never in a URL, never unsealed in the database or on disk.
"""

import base64
import json

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from reclaim.locker import Locker, LockerError, SealError
from reclaim.web.access.session import OpenLocker, locker_folder

DRAFT = "draft"
# Fields that are not the person's words: the form's token and the script's note of the page.
NOT_TYPED = ("csrfmiddlewaretoken", "draft_for")
Fields = dict[str, str | list[str]]


def keep(request: HttpRequest, ref: str, path: str) -> bool:
    """Seal the posted fields for the locker ``ref``, to refill the form at ``path``.

    ``path`` is the page's address with its query (a removal request's form needs it): what
    the person was shown, never what they typed, which is sealed.
    """
    fields = _typed(request)
    if not fields or not is_local(request, path):
        return False
    payload = json.dumps(fields).encode()
    try:
        sealed = Locker.seal_note(locker_folder(ref), _label(path), payload)
    except (LockerError, OSError):  # no such locker, or one never opened since captures came
        return False
    request.session[DRAFT] = {"ref": ref, "path": path, "sealed": base64.b64encode(sealed).decode()}
    return True


def waiting(request: HttpRequest, ref: str | None = None) -> str | None:
    """Return the address of the form whose draft waits (for locker ``ref``, if given)."""
    draft = request.session.get(DRAFT)
    if not draft or (ref is not None and draft["ref"] != ref):
        return None
    return str(draft["path"])


def take(request: HttpRequest, opened: OpenLocker) -> Fields:
    """Return the draft kept for this page, unsealed, and forget it; empty if there is none."""
    draft = request.session.get(DRAFT)
    if request.method != "GET" or not draft or draft["path"] != request.get_full_path():
        return {}
    request.session.pop(DRAFT)
    if draft["ref"] != opened.ref:
        return {}
    try:
        sealed = base64.b64decode(draft["sealed"])
        return dict(json.loads(opened.box.open_note(_label(draft["path"]), sealed)))
    except (ValueError, SealError):
        return {}


def is_local(request: HttpRequest, path: str) -> bool:
    """Return whether ``path`` is an address on this site (never another's)."""
    allowed = url_has_allowed_host_and_scheme(path, {request.get_host()}, request.is_secure())
    return allowed and path.startswith("/") and not path.startswith("//")


def _typed(request: HttpRequest) -> Fields:
    fields: Fields = {}
    for name in request.POST:
        if name in NOT_TYPED:
            continue
        values = request.POST.getlist(name)
        fields[name] = values[0] if len(values) == 1 else values
    typed = any(value.strip() for name in fields for value in request.POST.getlist(name))
    return fields if typed else {}


def _label(path: str) -> str:
    return f"web-draft:{path}"
