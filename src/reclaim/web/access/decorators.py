"""The open-locker decorator: every page that shows evidence goes through it.

It gives the view the locker open in this browser, or sends the person to unlock it (keeping,
sealed, what they posted to a locked locker: reclaim.web.access.drafts). Each such page counts
as activity for the auto-lock, and leads back to a recovery code not yet written down. Before a
POST reaches its view, what waits for the locker is kept in it (reclaim.web.access.changes);
a GET writes nothing but the session's idle clock.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from reclaim.web.access import changes, drafts, lockers, recovery, session

View = Callable[..., HttpResponseBase]


def needs_open_locker(view: View) -> View:
    """Give ``view`` the open locker, or send the person to unlock it."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        opened = session.current(request)
        if opened is None:
            idle = getattr(request, "locked_when_idle", False)
            if request.method == "POST":
                _keep_draft(request)
            return redirect(reverse("evidence:unlock") + ("?idle=1" if idle else ""))
        request.idle_seconds = session.seen_now(request)  # type: ignore[attr-defined]
        if recovery.waiting(request) and view.__name__ != "recovery_code":
            return redirect("evidence:recovery_code")  # set-up is final once it is written down
        request.draft = drafts.take(request, opened)  # type: ignore[attr-defined]
        if request.method == "POST":
            changes.catch_up(opened)
        return view(request, opened, *args, **kwargs)

    return wrapper


def _keep_draft(request: HttpRequest) -> None:
    """Keep what was posted to a locked locker, sealed, to refill the form after unlocking."""
    ref = getattr(request, "locked_ref", None)
    if ref is None and not settings.SERVICE:
        ref = lockers.PERSONAL  # one locker on this machine: it can only be this one
    if ref is not None:
        drafts.keep(request, ref, request.get_full_path())


def draft_initial(request: HttpRequest) -> dict[str, Any]:
    """Return the fields of a draft kept for this page (see needs_open_locker), or nothing."""
    return dict(getattr(request, "draft", {}))
