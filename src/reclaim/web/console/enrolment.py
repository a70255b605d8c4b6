"""Enrolment by invitation: a member chooses their own password and second factor.

An administrator who adds a member (or ``manage.py console admin-add``) gets a link holding a
random token, shown once; only its SHA-256 is kept. The member opens it and presses "Start"
(a link previewer that fetches the page takes nothing: opening is a POST), and from then the
enrolment belongs to that browser's session: the link itself answers "already opened". On the
enrolment page the member chooses a password and adds a new authenticator app, whose key is
made for that page and shown only there, and confirms it with the first code. Nobody else sees
either factor. Until then the member's account has no usable password and no confirmed device,
so it opens nothing.

Issuing a new invitation (a lost phone, a forgotten password, a link that expired) voids the
earlier ones and removes the member's password, authenticator app and security keys: their
open sessions end on their next page. Each step is one entry in the helpline's audit log.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.access import attempts
from reclaim.web.console import audit
from reclaim.web.console.models import Invitation, SecurityKey, StaffMember

INVITATION_HOURS = 72  # long enough for a weekend; a later link is one click for an administrator
TOKEN_BYTES = 32  # 256 bits from the operating system's generator
SESSION_KEY = "console_enrolment"  # the invitation this browser opened
DEVICE_NAME = "authenticator app"
MIN_PASSWORD_CHARS = 12  # a member's own password (NIST SP 800-63B asks for at least 8)

# What a person holding an unusable link is told, by why it cannot be used.
REFUSALS = {
    "unknown": _(
        "This invitation link is not known. Check that it was copied whole, or ask an "
        "administrator of your helpline for a new one."
    ),
    "used": _(
        "This invitation has been used already. If it was not you who used it, tell an "
        "administrator of your helpline at once."
    ),
    "opened": _(
        "This invitation was opened already, in another browser or tab. If that was "
        "not you, tell an administrator of your helpline; otherwise finish there, or ask for a "
        "new invitation."
    ),
    "expired": _(
        "This invitation has expired. Ask an administrator of your helpline for a new one."
    ),
    "voided": _(
        "This invitation was replaced by a newer one. Use the newest link you were given, "
        "or ask an administrator of your helpline for a new one."
    ),
}


class InvitationError(Exception):
    """The invitation cannot be used; ``reason`` is a key of REFUSALS."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(REFUSALS[reason]))
        self.reason = reason


class EnrolError(Exception):
    """What the member chose cannot be taken; the message says why."""


@dataclass(frozen=True)
class Issued:
    """A new invitation and its token, which is shown once and never kept."""

    invitation: Invitation
    token: str

    @property
    def path(self) -> str:
        """Return the link's path on this site (the token is in it)."""
        return f"/console/invitation/{self.token}/"


def digest(token: str) -> str:
    """Return the SHA-256 (hex) under which a token is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(member: StaffMember, by: StaffMember | None) -> tuple[Issued, list[int]]:
    """Void ``member``'s invitations and factors and make a new invitation; return it and
    the ids of the invitations voided. Run it inside the caller's transaction, which audits."""
    now = timezone.now()
    waiting = Invitation.objects.filter(member=member, used_at=None, voided_at=None)
    voided = list(waiting.values_list("pk", flat=True))
    waiting.update(voided_at=now)
    TOTPDevice.objects.filter(user_id=member.user_id).delete()
    SecurityKey.objects.filter(member=member).delete()
    user = User.objects.get(pk=member.user_id)
    user.set_unusable_password()  # its sessions end: their hash no longer matches
    user.save(update_fields=["password"])
    StaffMember.objects.filter(pk=member.pk).update(must_change_password=False)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        member=member,
        token_digest=digest(token),
        issued_by=by,
        issued_at=now,
        expires_at=now + datetime.timedelta(hours=INVITATION_HOURS),
    )
    return Issued(invitation, token), voided


def find(token: str) -> Invitation:
    """Return the invitation ``token`` opens, still waiting to be opened; or refuse."""
    found = Invitation.objects.select_related("member__helpline", "member__user")
    invitation = found.filter(token_digest=digest(token)).first()
    if invitation is None:
        raise InvitationError("unknown")
    _check(invitation, opened_ok=False)
    return invitation


def open_invitation(request: HttpRequest, token: str) -> Invitation:
    """Give this browser the enrolment ``token`` invites to; return its invitation."""
    with transaction.atomic():
        found = Invitation.objects.select_for_update(of=("self",)).filter(
            token_digest=digest(token)
        )
        invitation = found.select_related("member__helpline").first()
        if invitation is None:
            raise InvitationError("unknown")
        refused = _refusal(invitation, opened_ok=False)
        if refused is None:
            _start(invitation)
    if refused is not None:  # audited outside the transaction a refusal would undo
        _log(invitation, "refuse invitation", {"reason": refused})
        raise InvitationError(refused)
    request.session.cycle_key()  # a fresh session id for what follows
    request.session[SESSION_KEY] = invitation.pk
    return invitation


def _start(invitation: Invitation) -> None:
    """Mark ``invitation`` opened and make the new app's key (shown on the enrolment page)."""
    invitation.opened_at = timezone.now()
    invitation.save(update_fields=["opened_at"])
    TOTPDevice.objects.filter(user_id=invitation.member.user_id).delete()
    TOTPDevice.objects.create(user_id=invitation.member.user_id, name=DEVICE_NAME, confirmed=False)
    _log(invitation, "open invitation", {})


def opened(request: HttpRequest) -> tuple[Invitation, TOTPDevice]:
    """Return the invitation this browser opened and its new device, or refuse."""
    pk = request.session.get(SESSION_KEY)
    found = Invitation.objects.select_related("member__helpline", "member__user")
    invitation = found.filter(pk=pk).first() if isinstance(pk, int) else None
    if invitation is None:
        raise InvitationError("unknown")
    _check(invitation, opened_ok=True)
    device = TOTPDevice.objects.filter(user_id=invitation.member.user_id, confirmed=False).first()
    if device is None:  # replaced meanwhile
        raise InvitationError("voided")
    return invitation, device


def complete(request: HttpRequest, password: str, code: str) -> tuple[StaffMember, TOTPDevice]:
    """Take the member's password and confirm their app with ``code`` (counted first)."""
    invitation, device = opened(request)
    member = invitation.member
    if len(password) < MIN_PASSWORD_CHARS:
        raise EnrolError(f"Choose a password of at least {MIN_PASSWORD_CHARS} characters.")
    name = f"console-enrol:{member.pk}"
    try:
        attempts.reserve(name)  # counted before the code is checked
    except attempts.HeldError as held:
        raise EnrolError(f"Too many wrong codes. Try again in {held.minutes} minutes.") from None
    if not device.verify_is_allowed()[0]:  # django-otp's wait after a wrong code
        raise EnrolError("Wait a few seconds after a wrong code, then type the current one.")
    if not device.verify_token(code.strip()):
        raise EnrolError("That code is not right. Check the app and type the current code.")
    attempts.forget(name)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _check(locked, opened_ok=True)
        member.user.set_password(password)
        member.user.save(update_fields=["password"])
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        _log(locked, "enrol", {})
    del request.session[SESSION_KEY]
    device.refresh_from_db()
    return member, device


def _check(invitation: Invitation, opened_ok: bool) -> None:
    refused = _refusal(invitation, opened_ok)
    if refused is not None:
        raise InvitationError(refused)


def _refusal(invitation: Invitation, opened_ok: bool) -> str | None:
    """Return why ``invitation`` cannot be used (a key of REFUSALS), or None."""
    if invitation.used_at is not None:
        return "used"
    if invitation.voided_at is not None or not invitation.member.active:
        return "voided"
    if invitation.expires_at <= timezone.now():
        return "expired"
    if invitation.opened_at is not None and not opened_ok:
        return "opened"
    return None


def _log(invitation: Invitation, action: str, detail: dict[str, str]) -> None:
    member = invitation.member
    detail = {"invitation": str(invitation.pk), **detail}
    audit.append(member.helpline, member, action, target=f"member:{member.pk}", detail=detail)
