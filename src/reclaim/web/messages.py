"""Plain, warm, translated sentences for what went wrong in the core.

The core raises errors with English detail meant for logs and helpers (a capture's may hold
a browser's words). A person reads instead the sentence chosen here by the error's stable
``reason``; an unknown reason, or an error of another kind, gets a general sentence. None of
these functions ever returns the error's own text.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reclaim.errors import ReclaimError

# Keyed by reclaim.capture.CaptureReason's values (plain strings: the web process never loads
# the capture package, which brings Playwright). "restarted" is the task worker's own.
CAPTURE_PROBLEMS: dict[str, Promise] = {
    "bad-address": _(
        "This does not look like a web address. Copy it from the browser's address bar: "
        "it starts with http:// or https://."
    ),
    "not-found": _(
        "The page could not be reached: no site answers to that address. Check it for "
        "typing mistakes and try again."
    ),
    "private": _(
        "The address is on a private network (such as a home or office network), so it "
        "cannot be captured."
    ),
    "unreachable": _(
        "The page could not be reached. The site may be down for now; you can try again later."
    ),
    "certificate": _(
        "The site's certificate could not be checked, so the capture could not show that "
        "the page really came from that site. Nothing was kept."
    ),
    "timeout": _("The page took too long to load. You can try again later."),
    "empty": _("The site sent nothing back. You can try again later."),
    "not-shown": _(
        "This address opens a file (such as a PDF) instead of a page, and the browser Reclaim "
        "uses here cannot show it to capture it. You can download the file and add it to your "
        "locker instead."
    ),
    "restarted": _("Reclaim restarted before it finished. Please ask again."),
}
CAPTURE_FAILED = _(
    "Something went wrong while capturing the page. You can try again; meanwhile a "
    "screenshot is a good way to keep what you see."
)

# Keyed by reclaim.packs.PackReason's values.
PACK_PROBLEMS: dict[str, Promise] = {
    "nothing": _(
        "There is nothing to put in a pack from what you chose yet. Choose other incidents "
        "or files, or the whole case."
    ),
    "choice": _("That choice does not fit what is in your locker. Please check it and try again."),
    "initials": _("Your initials should be one to four capital letters, such as JS."),
    "recipient": _(
        "The key to lock the pack for someone does not look right: it starts with age1. "
        "Please copy it again from the person who gave it to you."
    ),
}
PACK_FAILED = _(
    "The pack could not be made. Nothing in your locker was changed. Please try again in a moment."
)

# Keyed by reclaim.locker's IntakeReason values.
INTAKE_PROBLEMS: dict[str, Promise] = {
    "empty": _("This file is empty, so there is nothing to keep. Try another copy."),
    "kind": _(
        "The locker cannot take this kind of file. It takes pictures, videos, sound "
        "recordings, PDF, text files and ZIP archives such as chat exports. If it is a "
        "screenshot or photo, saving it again as JPEG or PNG usually works."
    ),
    "oversized": _(
        "This picture says it is far larger than any camera makes, which is how files made "
        "to crash programs look. It was not saved. If it is a real photo, try saving a "
        "smaller copy."
    ),
}
INTAKE_FAILED = _("The locker could not take this file. Nothing was saved. Please try again.")

NOTICE_FAILED = _(
    "That change could not be recorded as it is. Please check what you chose on the form "
    "and try again."
)
# Keyed by reclaim.bank's SignalError reasons; %(line)s is the line of pasted text.
HASH_PROBLEMS: dict[str, Promise] = {
    "low-quality": _(
        "Line %(line)s: this picture has so little detail that its hash would match too many "
        "others, so platforms cannot rely on it. A clearer copy of the picture usually gives a "
        "good hash."
    ),
    "too-many": _("At most %(count)s hashes can be sent at a time. Please send them in parts."),
}
HASH_UNREADABLE = _(
    "Line %(line)s could not be read as a hash. Choose the pictures again, or paste the lines "
    "exactly as the reclaim hash command prints them."
)


def capture_problem(reason: str) -> str:
    """Return the sentence for a failed capture's reason (a general one if unknown)."""
    return str(CAPTURE_PROBLEMS.get(reason, CAPTURE_FAILED))


def pack_problem(error: ReclaimError) -> str:
    """Return the sentence for an error met while making a pack."""
    return str(PACK_PROBLEMS.get(str(getattr(error, "reason", "")), PACK_FAILED))


def intake_problem(error: ReclaimError) -> str:
    """Return the sentence for a file the locker would not take."""
    return str(INTAKE_PROBLEMS.get(str(getattr(error, "reason", "")), INTAKE_FAILED))


def hashes_problem(reason: str, line: int, count: int) -> str:
    """Return the sentence for pasted hashes that could not be taken (``count``: the most)."""
    sentence = HASH_PROBLEMS.get(reason, HASH_UNREADABLE)
    return str(sentence) % {"line": line, "count": count}
