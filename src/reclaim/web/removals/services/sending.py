"""Sending a removal request by email (service mode with SMTP), a copy kept in the locker."""

import io

from django.conf import settings
from django.core.mail import EmailMessage

from reclaim.notices import SUBMITTED, RemovalRequest, move
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.services.catalogue import notice_for
from reclaim.web.removals.services.requests import PERSON, change


def can_email() -> bool:
    """Return whether this site sends email (an SMTP host is configured)."""
    return bool(settings.EMAIL_HOST)


def send_email(opened: OpenLocker, request: RemovalRequest) -> RemovalRequest:
    """Email the request to the platform, keep a copy in the locker, mark it submitted."""
    notice = notice_for(request)
    to = notice.route.address
    message = EmailMessage(
        notice.subject,
        notice.body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        reply_to=[request.facts.email] if "@" in request.facts.email else None,
    )
    message.send()  # raises on any SMTP failure: nothing is recorded as sent then
    opened.box.add(
        io.BytesIO(message.message().as_bytes()),
        "removal-request.eml",
        "message/rfc822",
        note=f"The removal request as sent to {to}",
        incident=request.incident_id or None,
        details={"sent_to": to, "request": request.id},
    )
    sent = move(request, SUBMITTED, PERSON, note=f"sent by email to {to}")
    return change(opened, sent, "sent")
