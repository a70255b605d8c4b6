"""Drafts: what a member types in the intake, note and task forms, kept sealed on the server.

A browser's storage (sessionStorage included) may be written to the staff machine's disk, so
case words are not kept there. Instead each form has a "Save draft" button (no script needed),
and the console's script posts the form the same way a second or so after typing stops. The
draft is sealed with the helpline's data key under a name bound to the member and the form
(reclaim.web.console.keys), one per member and form, and shown again in the form when it is
next opened. It is deleted when the form is sent, when the member signs out or their session
ends, with its case, and by the worker once older than DRAFT_HOURS.

Saving a draft goes through the door like any change (one audit entry, target "draft:<form>"
or the intake page's entry; the timeline leaves them out). The draft holds only the form's own
fields, never the CSRF token or a password.
"""

import datetime
import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone

from reclaim.locker import SealError
from reclaim.web.console import keys
from reclaim.web.console.access import member_of
from reclaim.web.console.cases import open_case, open_page
from reclaim.web.console.forms import IntakeForm
from reclaim.web.console.models import Case, Draft, StaffMember
from reclaim.web.console.permissions import Action

DRAFT_HOURS = 24
SAVE = "save-draft"  # the Save draft button's name, and what the script's posts carry
SCRIPT_HEADER = "HTTP_X_DRAFT_SAVE"  # the script's posts say so, and are answered 204
MAX_VALUE_CHARS = 500_000  # the intake's pasted addresses are the longest field
FIELDS = {
    "new-case": tuple(IntakeForm.base_fields),
    "notes": ("text",),  # caseforms.NoteForm and TaskForm (which import the services that
    "tasks": ("title", "due_on"),  # forget drafts, so their names are repeated here)
}
ACTIONS = {"notes": Action.WRITE_NOTES, "tasks": Action.EDIT_CASE}


def wants_saving(request: HttpRequest) -> bool:
    """Return whether this request asks to save a draft rather than send the form."""
    return request.method == "POST" and SAVE in request.POST


def save_intake(request: HttpRequest) -> None:
    """Keep what the intake form holds as the member's draft (audited as the intake page)."""
    member = open_page(request, Action.EDIT_CASE, {"page": "intake", "event": "draft saved"})
    _keep(member, "new-case", None, request.POST)


def save_for_case(request: HttpRequest, number: str, form: str) -> None:
    """Keep what a case's ``form`` ("notes", "tasks") holds as the member's draft (audited)."""

    def change(case: Case, member: StaffMember) -> dict[str, str]:
        _keep(member, form, case, request.POST)
        return {"event": "draft saved"}

    open_case(request, number, ACTIONS[form], target=f"draft:{form}", change=change)


def answer(request: HttpRequest, page: str) -> HttpResponse:
    """Answer a saved draft: 204 to the script, back to the form (saying so) without it."""
    if request.META.get(SCRIPT_HEADER):
        return HttpResponse(status=204)
    return HttpResponseRedirect(page + "?draft=saved")


def restored(request: HttpRequest, form: str, case: Case | None = None) -> dict[str, str]:
    """Return the member's draft of ``form`` (on ``case``) as field values, or {} for none."""
    member = member_of(request)
    place = _place(form, case)
    since = timezone.now() - datetime.timedelta(hours=DRAFT_HOURS)
    found = Draft.objects.filter(member=member, place=place, saved_at__gte=since).first()
    if found is None:
        return {}
    try:
        data = keys.unseal(member.helpline, found.sealed, _name(member, place))
    except SealError:
        return {}
    values = json.loads(data)
    return {name: str(values[name]) for name in FIELDS[form] if name in values}


def forget(member: StaffMember, form: str, case: Case | None = None) -> None:
    """Delete the member's draft of ``form`` (it was sent)."""
    Draft.objects.filter(member=member, place=_place(form, case)).delete()


def forget_all(member: StaffMember) -> None:
    """Delete every draft of ``member`` (they signed out, or their session ended)."""
    Draft.objects.filter(member=member).delete()


def delete_old(now: datetime.datetime | None = None) -> int:
    """Delete drafts saved more than DRAFT_HOURS ago; return how many."""
    since = (now or timezone.now()) - datetime.timedelta(hours=DRAFT_HOURS)
    return Draft.objects.filter(saved_at__lt=since).delete()[0]


def _keep(member: StaffMember, form: str, case: Case | None, posted: QueryDict) -> None:
    # One value per field is all these forms have.
    values = {name: str(posted.get(name, ""))[:MAX_VALUE_CHARS] for name in FIELDS[form]}
    place = _place(form, case)
    sealed = keys.seal(member.helpline, json.dumps(values).encode(), _name(member, place))
    Draft.objects.update_or_create(
        member=member,
        place=place,
        defaults={"case": case, "sealed": sealed, "saved_at": timezone.now()},
    )


def _place(form: str, case: Case | None) -> str:
    return form if case is None else f"{form}:{case.pk}"


def _name(member: StaffMember, place: str) -> bytes:
    # Bound to the member and the form: a draft copied to another member's or case's row does
    # not open.
    return f"draft:{member.pk}:{place}".encode()
