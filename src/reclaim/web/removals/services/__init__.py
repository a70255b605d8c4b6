"""Removal requests in the web app: views call these; they call reclaim.notices.

One module per concern: ``catalogue`` (directory and profiles as the pages use them),
``requests`` (reading, which never writes, and changing), ``sending`` (email), ``hosting``
(RDAP), ``watches`` (what the database keeps for the worker, and catching up with it) and
``rechecks`` (the worker's job). The requests are kept in the person's locker; the database
holds only a sealed Watch per open request (models.py).
"""

from reclaim.web.removals.services.catalogue import (
    catalogue,
    due,
    form_pack,
    notice_for,
    parts_of,
    shown_catalogue,
)
from reclaim.web.removals.services.hosting import HostUnknownError, find_host, hosting_of
from reclaim.web.removals.services.rechecks import REMINDER_SUBJECT, run_due_rechecks
from reclaim.web.removals.services.requests import (
    PERSON,
    case_hashes,
    change,
    default_country,
    edit,
    merged_facts,
    needing_attention,
    request_of,
    request_to_change,
    requests_of,
    set_recipient,
    start,
    withdraw,
)
from reclaim.web.removals.services.sending import can_email, send_email

__all__ = [
    "PERSON",
    "REMINDER_SUBJECT",
    "HostUnknownError",
    "can_email",
    "case_hashes",
    "catalogue",
    "change",
    "default_country",
    "due",
    "edit",
    "find_host",
    "form_pack",
    "hosting_of",
    "merged_facts",
    "needing_attention",
    "notice_for",
    "parts_of",
    "request_of",
    "request_to_change",
    "requests_of",
    "run_due_rechecks",
    "send_email",
    "set_recipient",
    "shown_catalogue",
    "start",
    "withdraw",
]
