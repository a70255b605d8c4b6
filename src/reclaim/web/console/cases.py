"""The one door to case data: every read or change checks the matrix and is audited.

``open_case`` finds a case of the member's helpline by its number, checks that the member may
take the action on it (``permissions.covers``), makes the change it is given, if any, and
appends the audit entry, all in one transaction: a view that reads or changes a case without
an audit entry cannot be written with it, and views get cases from nowhere else (a test walks
every console page and checks each wrote exactly one entry). Pages about no one case (the
queue, staff, settings) go through ``open_page``, which checks and logs the same way.
"""

from collections.abc import Callable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest

from reclaim.web.console import audit
from reclaim.web.console.access import member_of
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import Action, allows, covers

Change = Callable[[Case, StaffMember], Mapping[str, str] | None]


def open_case(
    request: HttpRequest,
    number: str,
    action: Action,
    *,
    target: str = "",
    detail: Mapping[str, str] | None = None,
    change: Change | None = None,
) -> Case:
    """Return the member's case ``number`` for ``action``, audited; apply ``change`` first.

    A case the member may not see, another helpline's included, is not found (Http404); one
    they see but may not take ``action`` on is refused (PermissionDenied). ``change`` runs on
    the locked case inside the transaction and returns more detail for the audit entry; if it
    raises, nothing is changed or logged.
    """
    member = member_of(request)
    with transaction.atomic():
        found = Case.objects.filter(helpline_id=member.helpline_id, number=number)
        if change is not None:
            found = found.select_for_update(of=("self",))
        case = found.select_related("assigned_to__user", "helpline").first()
        if case is None or not covers(member, case, Action.VIEW_CASE):
            raise Http404("no such case")
        if not covers(member, case, action):
            raise PermissionDenied(f"{action} is not allowed on this case")
        more = change(case, member) if change is not None else None
        audit.append(
            case.helpline,
            member,
            str(action),
            case_id=case.pk,
            target=target,
            detail={**(detail or {}), **(more or {})},
        )
    return case


def open_page(request: HttpRequest, action: Action, detail: Mapping[str, str]) -> StaffMember:
    """Return the member after checking ``action`` (not about one case) and logging it."""
    member = member_of(request)
    if not allows(member, action):
        raise PermissionDenied(f"{action} is not allowed")
    audit.append(member.helpline, member, str(action), detail=detail)
    return member


def record(
    request: HttpRequest,
    action: str,
    case: Case,
    target: str = "",
    detail: Mapping[str, str] | None = None,
) -> None:
    """Log ``action`` on a case the member has just made (a new case has no number to open)."""
    member = member_of(request)
    audit.append(member.helpline, member, str(action), case.pk, target, detail)
