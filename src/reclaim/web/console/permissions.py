"""The permission matrix: which role may do what, and which cases each role sees.

A member may take an action on a case when one of their roles allows the action and that
role's view covers the case: caseworkers see their helpline's unassigned cases and those
assigned to them; supervisors see every case of their helpline; administrators see no case
(they manage staff and settings) unless they are also caseworkers, and then as caseworkers.
Nobody sees another helpline's anything: such a case does not exist for them (404, not 403).
"""

from enum import StrEnum

from django.db.models import Q

from reclaim.web.console.models import Case, StaffMember


class Action(StrEnum):
    """What a member may be allowed to do."""

    VIEW_QUEUE = "view queue"
    VIEW_CASE = "view case"
    EDIT_CASE = "edit case"
    ASSIGN = "assign"
    CLAIM_ADDRESS = "claim address"
    WRITE_NOTES = "write notes"
    READ_NOTES = "read notes"
    REVEAL_MEDIA = "reveal media"
    SEND_BATCH = "send batch"
    CLOSE_CASE = "close case"
    DELETE_CASE = "delete case"
    READ_AUDIT = "read audit log"
    VIEW_STATISTICS = "view statistics"
    MANAGE_STAFF = "manage staff"
    MANAGE_SETTINGS = "manage settings"


ROLES = ("caseworker", "supervisor", "administrator")

_CASEWORK = {
    Action.VIEW_QUEUE,
    Action.VIEW_CASE,
    Action.EDIT_CASE,
    Action.ASSIGN,
    Action.CLAIM_ADDRESS,
    Action.WRITE_NOTES,
    Action.READ_NOTES,
    Action.REVEAL_MEDIA,
    Action.SEND_BATCH,
    Action.CLOSE_CASE,
}

# The matrix, role by role. Deleting a case (on a survivor's request) and reading the audit log
# are a supervisor's; statistics carry no personal data, so administrators see them too.
MATRIX: dict[str, frozenset[Action]] = {
    "caseworker": frozenset(_CASEWORK),
    "supervisor": frozenset(
        _CASEWORK | {Action.DELETE_CASE, Action.READ_AUDIT, Action.VIEW_STATISTICS}
    ),
    "administrator": frozenset(
        {Action.VIEW_STATISTICS, Action.MANAGE_STAFF, Action.MANAGE_SETTINGS}
    ),
}

# Which of a helpline's cases each role sees ("none": no case at all).
CASE_VIEW = {"caseworker": "unassigned or own", "supervisor": "all", "administrator": "none"}


def allows(member: StaffMember, action: Action) -> bool:
    """Return whether one of ``member``'s roles allows ``action`` (on some case or none)."""
    return any(action in MATRIX[role] for role in member.roles)


def case_scope(member: StaffMember, action: Action = Action.VIEW_CASE) -> Q:
    """Return a filter on Case for the cases ``member`` may take ``action`` on.

    It always names the member's own helpline; with no role allowing the action it matches
    nothing.
    """
    roles = [role for role in member.roles if action in MATRIX[role]]
    if "supervisor" in roles:
        return Q(helpline_id=member.helpline_id)
    if "caseworker" in roles:
        mine = Q(assigned_to__isnull=True) | Q(assigned_to_id=member.pk)
        return Q(helpline_id=member.helpline_id) & mine
    return Q(pk__in=[])


def address_scope(member: StaffMember, action: Action = Action.VIEW_CASE) -> Q:
    """Return a filter on CaseAddress for the addresses of cases ``member`` may act on."""
    roles = [role for role in member.roles if action in MATRIX[role]]
    if "supervisor" in roles:
        return Q(helpline_id=member.helpline_id)
    if "caseworker" in roles:
        mine = Q(case__assigned_to__isnull=True) | Q(case__assigned_to_id=member.pk)
        return Q(helpline_id=member.helpline_id) & mine
    return Q(pk__in=[])


def covers(member: StaffMember, case: Case, action: Action) -> bool:
    """Return whether ``member`` may take ``action`` on ``case`` (the matrix and the view)."""
    if case.helpline_id != member.helpline_id:
        return False
    roles = {role for role in member.roles if action in MATRIX[role]}
    if "supervisor" in roles:
        return True
    return "caseworker" in roles and case.assigned_to_id in (None, member.pk)
