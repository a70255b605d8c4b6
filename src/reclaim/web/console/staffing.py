"""Staff administration: adding members with an authenticator app, roles, deactivation,
and the helpline's settings. Only administrators do these, and each is audited.

A new member's TOTP device starts unconfirmed: its secret is shown once, to be added to the
member's authenticator app, and the first code from the app confirms it. Until then the member
cannot sign in. Deactivation keeps the member and every audit entry naming them; their user
can no longer sign in and their open sessions stop working on their next page.
"""

import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.access import attempts
from reclaim.web.console import audit
from reclaim.web.console.access import member_of
from reclaim.web.console.models import StaffMember
from reclaim.web.console.permissions import ROLES, Action, allows

DEVICE_NAME = "authenticator app"
PASSWORD_BYTES = 18  # a first password of 24 URL-safe characters, to be changed
MIN_PASSWORD_CHARS = 12  # a member's own password (NIST SP 800-63B asks for at least 8)


class StaffError(Exception):
    """What was asked cannot be done; the message says why, for the administrator."""


@dataclass(frozen=True)
class Enrolment:
    """What an administrator hands a member once: first password and authenticator secret."""

    member: StaffMember
    password: str  # '' when only the device was renewed
    config_url: str  # otpauth:// URI for the authenticator app
    secret: str  # the same key in base32, to type in by hand
    qr_svg: str  # the URI as a QR code (inline SVG) for the app to scan


def administrator(request: HttpRequest, action: Action = Action.MANAGE_STAFF) -> StaffMember:
    """Return the member if they may take ``action``; otherwise refuse."""
    member = member_of(request)
    if not allows(member, action):
        raise PermissionDenied(f"{action} is for administrators")
    return member


def add_member(request: HttpRequest, username: str, roles: set[str]) -> Enrolment:
    """Create a member with ``roles`` and an unconfirmed device; return what to hand over."""
    admin = administrator(request)
    if not roles & set(ROLES):
        raise StaffError("Choose at least one role.")
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError("That username is taken.")
    password = first_password()
    with transaction.atomic():
        user = User.objects.create_user(username, password=password)
        member = StaffMember.objects.create(
            user=user,
            helpline=admin.helpline,
            must_change_password=True,
            **{role: role in roles for role in ROLES},
        )
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        _log(admin, "add member", member, {"roles": ",".join(sorted(roles & set(ROLES)))})
    return enrolment_of(member, password, device)


def renew_device(request: HttpRequest, member_id: int) -> Enrolment:
    """Replace a member's authenticator app (a lost phone); the new one starts unconfirmed."""
    admin = administrator(request)
    with transaction.atomic():
        member = _colleague(admin, member_id)
        TOTPDevice.objects.filter(user=member.user).delete()
        device = TOTPDevice.objects.create(user=member.user, name=DEVICE_NAME, confirmed=False)
        _log(admin, "renew device", member, {})
    return enrolment_of(member, "", device)


def confirm_device(request: HttpRequest, member_id: int, code: str) -> bool:
    """Confirm a member's new device with the first code from their app; return whether it was."""
    admin = administrator(request)
    member = _colleague(admin, member_id)
    name = f"console-enrol:{member.pk}"
    try:
        attempts.reserve(name)  # counted before the code is checked
    except attempts.HeldError as held:
        raise StaffError(f"Too many wrong codes. Try again in {held.minutes} minutes.") from None
    device = TOTPDevice.objects.filter(user=member.user, confirmed=False).first()
    if device is None:
        return False
    if not device.verify_is_allowed()[0]:  # django-otp's wait after a wrong code
        raise StaffError("Wait a few seconds after a wrong code, then type the current one.")
    if not device.verify_token(code.strip()):
        return False
    attempts.forget(name)
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        _log(admin, "confirm device", member, {})
    return True


def change_roles(request: HttpRequest, member_id: int, roles: set[str]) -> StaffMember:
    """Give a member exactly ``roles`` (at least one)."""
    admin = administrator(request)
    if not roles & set(ROLES):
        raise StaffError("Choose at least one role, or deactivate the member.")
    if member_id == admin.pk and "administrator" not in roles:
        raise StaffError("You cannot take away your own administrator role.")
    if member_id == admin.pk and {r for r in ROLES if r in roles and not getattr(admin, r)}:
        # An administrator reads no case: a casework role they gave themselves would undo it
        # with nobody else involved. Another administrator gives it (audited), or the command.
        raise StaffError("Another administrator gives you a new role.")
    with transaction.atomic():
        member = _colleague(admin, member_id)
        for role in ROLES:
            setattr(member, role, role in roles)
        member.save(update_fields=list(ROLES))
        _log(admin, "change roles", member, {"roles": ",".join(sorted(roles & set(ROLES)))})
    return member


def deactivate(request: HttpRequest, member_id: int) -> StaffMember:
    """Deactivate a member: they cannot sign in, their sessions stop; history is kept."""
    admin = administrator(request)
    if member_id == admin.pk:
        raise StaffError("Another administrator deactivates you.")
    with transaction.atomic():
        member = _colleague(admin, member_id)
        member.active, member.deactivated_at = False, timezone.now()
        member.save(update_fields=["active", "deactivated_at"])
        User.objects.filter(pk=member.user_id).update(is_active=False)
        _log(admin, "deactivate member", member, {})
    return member


def members(request: HttpRequest) -> list[StaffMember]:
    """Return the helpline's members, active first (the staff page; audited)."""
    admin = administrator(request)
    audit.append(admin.helpline, admin, "view staff")
    found = StaffMember.objects.filter(helpline_id=admin.helpline_id).select_related("user")
    return list(found.order_by("-active", "user__username"))


def save_settings(request: HttpRequest, retention_months: int, reveals_per_hour: int) -> None:
    """Change the helpline's retention period and hourly reveal limit."""
    admin = administrator(request, Action.MANAGE_SETTINGS)
    line = admin.helpline
    with transaction.atomic():
        before = f"{line.retention_months},{line.reveals_per_hour}"
        line.retention_months, line.reveals_per_hour = retention_months, reveals_per_hour
        line.save(update_fields=["retention_months", "reveals_per_hour"])
        detail = {"before": before, "after": f"{retention_months},{reveals_per_hour}"}
        audit.append(line, admin, "change settings", detail=detail)


def change_password(request: HttpRequest, old: str, new: str) -> StaffMember:
    """Give the signed-in member the password ``new`` once ``old`` is theirs (counted first)."""
    member = member_of(request)
    user = member.user
    if len(new) < MIN_PASSWORD_CHARS:
        raise StaffError(f"Choose a password of at least {MIN_PASSWORD_CHARS} characters.")
    if new == old:
        raise StaffError("Choose a password other than the one you have now.")
    try:  # the sign-in's own check: each try counted per username and client before it
        known = authenticate(request, username=user.get_username(), password=old)
    except PermissionDenied:
        known = None
    if known is None or known.pk != user.pk:
        raise StaffError("That is not your current password.")
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        StaffMember.objects.filter(pk=member.pk).update(must_change_password=False)
        member.must_change_password = False
        _log(member, "change password", member, {})
    return member


def _colleague(admin: StaffMember, member_id: int) -> StaffMember:
    found = StaffMember.objects.select_related("user").filter(
        pk=member_id, helpline_id=admin.helpline_id
    )
    member = found.first()
    if member is None:
        raise Http404("no such member")
    return member


def _log(admin: StaffMember, action: str, member: StaffMember, detail: dict[str, str]) -> None:
    audit.append(admin.helpline, admin, action, target=f"member:{member.pk}", detail=detail)


def first_password() -> str:
    """Return a new member's first password: random, shown once."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def enrolment_of(member: StaffMember, password: str, device: TOTPDevice) -> Enrolment:
    """Return what to hand a member for ``device``: its URI, key and a QR code to scan."""
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code"))
    return Enrolment(member, password, device.config_url, secret, qr)
