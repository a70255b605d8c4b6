"""Staff administration: adding members by invitation, roles, deactivation, and the
helpline's settings. Only administrators do these, and each is audited.

A new member is given an invitation (reclaim.web.console.enrolment): a link shown once, with
which the member chooses their own password and authenticator app. The administrator never sees
either factor. A member who lost their phone, or forgot their password, is given a new
invitation, which voids the old one and their factors. Deactivation keeps the member and every
audit entry naming them; their user can no longer sign in and their open sessions stop working
on their next page.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from reclaim.web.console import audit, enrolment
from reclaim.web.console.access import member_of
from reclaim.web.console.enrolment import MIN_PASSWORD_CHARS, Issued
from reclaim.web.console.models import StaffMember
from reclaim.web.console.permissions import ROLES, Action, allows


class StaffError(Exception):
    """What was asked cannot be done; the message says why, for the administrator."""


def administrator(request: HttpRequest, action: Action = Action.MANAGE_STAFF) -> StaffMember:
    """Return the member if they may take ``action``; otherwise refuse."""
    member = member_of(request)
    if not allows(member, action):
        raise PermissionDenied(f"{action} is for administrators")
    return member


def add_member(request: HttpRequest, username: str, roles: set[str]) -> Issued:
    """Create a member with ``roles`` and no factor yet; return their invitation."""
    admin = administrator(request)
    if not roles & set(ROLES):
        raise StaffError("Choose at least one role.")
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError("That username is taken.")
    with transaction.atomic():
        user = User.objects.create_user(username)  # no usable password until they choose one
        member = StaffMember.objects.create(
            user=user, helpline=admin.helpline, **{role: role in roles for role in ROLES}
        )
        issued, _ = enrolment.issue(member, admin)
        detail = {"roles": ",".join(sorted(roles & set(ROLES))), **_invited(issued)}
        _log(admin, "add member", member, detail)
    return issued


def reinvite(request: HttpRequest, member_id: int) -> Issued:
    """Give a member a new invitation: earlier ones and every factor they had are void."""
    admin = administrator(request)
    if member_id == admin.pk:
        raise StaffError("Another administrator gives you a new invitation.")
    with transaction.atomic():
        member = _colleague(admin, member_id)
        if not member.active:
            raise StaffError("Deactivated members are not invited again.")
        issued, voided = enrolment.issue(member, admin)
        detail = {**_invited(issued), "voided": ",".join(map(str, voided))}
        _log(admin, "issue invitation", member, detail)
    return issued


def _invited(issued: Issued) -> dict[str, str]:
    invitation = issued.invitation
    return {"invitation": str(invitation.pk), "expires": invitation.expires_at.isoformat()}


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
        # An invitation still waiting is void too (enrolment refuses an inactive member's).
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
