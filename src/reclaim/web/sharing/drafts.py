"""What a person typed on "Ask a helpline for help", kept until the referral is made.

The form's fields are sealed to the locker's inbox key (only the owner, with the locker open,
can read them) and kept in the session, so that a reload, the browser's Back, a failed send or
a look at the confirmation page loses nothing. Unlike reclaim.web.access.drafts (a form posted
to a locked locker, refilled once), this one stays until the referral is sent or made into a
file, or the person starts again; locking the locker ends the session's hold on it.
"""

import base64
import json

from django.http import HttpRequest, QueryDict

from reclaim.locker import Locker, LockerError, SealError
from reclaim.web.access.session import OpenLocker, locker_folder

SESSION_KEY = "referral-draft"
LABEL = "web-draft:ask-a-helpline"
NOT_TYPED = ("csrfmiddlewaretoken", "action")


def keep(request: HttpRequest, opened: OpenLocker) -> None:
    """Keep the posted fields, sealed, for this locker."""
    fields = {name: request.POST.getlist(name) for name in request.POST if name not in NOT_TYPED}
    try:
        sealed = Locker.seal_note(locker_folder(opened.ref), LABEL, json.dumps(fields).encode())
    except (LockerError, OSError):
        return
    request.session[SESSION_KEY] = {"ref": opened.ref, "sealed": base64.b64encode(sealed).decode()}
    # Saved now: a failed send answers 502, and Django saves no session after a 5xx answer.
    request.session.save()


def kept(request: HttpRequest, opened: OpenLocker) -> QueryDict | None:
    """Return the fields kept for this locker as they were posted, or None."""
    draft = request.session.get(SESSION_KEY)
    if not draft or draft.get("ref") != opened.ref:
        return None
    try:
        plain = opened.box.open_note(LABEL, base64.b64decode(draft["sealed"]))
        fields = dict(json.loads(plain))
    except (ValueError, SealError):
        return None
    posted = QueryDict(mutable=True)
    for name, values in fields.items():
        posted.setlist(str(name), [str(value) for value in values])
    return posted


def forget(request: HttpRequest) -> None:
    """Forget the kept fields (the referral was made, or the person starts again)."""
    request.session.pop(SESSION_KEY, None)


def as_posted(fields: dict[str, object]) -> QueryDict:
    """Return fields kept by reclaim.web.access.drafts (locked as they were sent) as posted."""
    posted = QueryDict(mutable=True)
    for name, value in fields.items():
        posted.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return posted
