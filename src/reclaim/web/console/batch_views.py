"""The batch pages: waiting addresses by platform, then one platform's batch: parse, call, render.

Every page is audited: the lists through ``open_page``; a batch sent or recorded by one entry
per case it touched (reclaim.web.console.batches).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.web.console import batches, casefacts, rechecks
from reclaim.web.console.access import member_of, member_required
from reclaim.web.console.batch_forms import ACTIONS, CaseFactsForm, WholeForm
from reclaim.web.console.cases import open_page
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import Action, allows
from reclaim.web.console.views import render_page as _render
from reclaim.web.safety.bodies import accepts_body

BATCH_MAX_BYTES = 2 * 1024 * 1024  # a few thousand addresses' checkboxes and facts


@dataclass
class CaseBlock:
    """One case in the batch form: its addresses, its facts form and what it lacks."""

    case: Case
    form: CaseFactsForm
    addresses: list[Any]
    missing: list[Any]


@member_required
@require_GET
def batches_page(request: HttpRequest) -> HttpResponse:
    member = open_page(request, Action.SEND_BATCH, {"page": "batches"})
    return _render(request, "console/batches.html", {"groups": batches.groups(member)})


@member_required
@accepts_body(BATCH_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def batch_page(request: HttpRequest, platform: str, profile: str) -> HttpResponse:
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in ACTIONS:
        return HttpResponse(status=400)
    member = member_of(request)
    if not allows(member, Action.SEND_BATCH):
        raise PermissionDenied("sending batches is casework")
    detail = {"page": "batch", "platform": platform, "profile": profile}
    if action not in ("send", "record"):  # those are audited per case as they are recorded
        open_page(request, Action.SEND_BATCH, {**detail, **({"action": action} if action else {})})
    try:
        chosen = batches.selection(member, platform, profile)
    except batches.BatchError as error:
        raise Http404(str(error)) from None
    if request.method == "GET":
        return _form_page(request, member, chosen, None, set(), status=200)
    picked = {int(v) for v in request.POST.getlist("address") if v.isdigit()}
    chosen.addresses = [a for a in chosen.addresses if a.pk in picked]
    whole = WholeForm(request.POST)
    forms = {c.pk: CaseFactsForm(request.POST, prefix=f"c{c.pk}") for c in chosen.cases}
    if not whole.is_valid() or not all(f.is_valid() for f in forms.values()):
        _shown_back(request, action, detail)
        return _form_page(request, member, chosen, None, picked, whole, forms, status=400)
    signed_on = timezone.now().date().isoformat()
    by_case = {pk: form.facts() for pk, form in forms.items()}
    composed = batches.compose(chosen, whole.facts(), by_case, signed_on)
    if not composed.ready or action == "preview":
        _shown_back(request, action, detail)
        status = 200 if composed.ready else 400
        return _form_page(request, member, chosen, composed, picked, whole, forms, status=status)
    if action == "pack":
        return _pack(composed, chosen)
    try:
        if action == "send":
            done = batches.send(member, chosen, composed, whole.cleaned_data["email"])
        else:
            done = batches.record_submitted(member, chosen, composed)
    except batches.BatchError as error:
        _shown_back(request, action, detail)
        context = {"error": str(error)}
        status = 409 if isinstance(error, batches.DuplicateBatchError) else 400
        return _form_page(request, member, chosen, composed, picked, whole, forms, status, context)
    return _render(request, "console/batch_sent.html", {"batches": done, "chosen": chosen})


@member_required
@require_POST
def read_notification(request: HttpRequest, notification: int) -> HttpResponse:
    member = open_page(request, Action.VIEW_QUEUE, {"notification": str(notification)})
    rechecks.mark_read(member, notification)
    return HttpResponseRedirect(reverse("console:queue"))


urlpatterns = [
    path("batches/", batches_page, name="batches"),
    path("batches/<slug:platform>/<slug:profile>/", batch_page, name="batch"),
    path("notifications/<int:notification>/read/", read_notification, name="read-notification"),
]


def _shown_back(request: HttpRequest, action: str, detail: dict[str, str]) -> None:
    """Audit the page shown again after a send or record that did not happen: it is a reading
    of the waiting addresses (a recorded batch is audited per case instead)."""
    if action in ("send", "record"):
        open_page(request, Action.SEND_BATCH, {**detail, "action": action, "outcome": "not sent"})


def _form_page(
    request: HttpRequest,
    member: StaffMember,
    chosen: batches.Selection,
    composed: batches.Composed | None,
    picked: set[int],
    whole: WholeForm | None = None,
    forms: dict[int, CaseFactsForm] | None = None,
    status: int = 200,
    more: dict[str, Any] | None = None,
) -> HttpResponse:
    everything = batches.selection(member, chosen.platform.id, chosen.profile.id)
    if whole is None:
        initial = {"signer": member.user.get_full_name() or member.user.get_username()}
        whole = WholeForm(initial={**initial, "organisation": member.helpline.name})
    forms = forms or {}
    missing = composed.missing_by_case if composed else {}
    blocks: dict[int, CaseBlock] = {}
    for address in everything.addresses:
        case = address.case
        if case.pk not in blocks:
            kept = casefacts.initial(case)  # the case's own facts, offered again
            form = forms.get(case.pk) or CaseFactsForm(prefix=f"c{case.pk}", initial=kept)
            blocks[case.pk] = CaseBlock(case, form, [], missing.get(case.pk, []))
        blocks[case.pk].addresses.append(address)
    context = {
        "chosen": everything,
        "blocks": list(blocks.values()),
        "whole": whole,
        "composed": composed,
        "picked": picked,
        "all_picked": not picked,
        **(more or {}),
    }
    return _render(request, "console/batch.html", context, status=status)


def _pack(composed: batches.Composed, chosen: batches.Selection) -> HttpResponse:
    answer = HttpResponse(batches.form_pack(composed), content_type="application/zip")
    name = f"batch-{chosen.platform.id}-{timezone.now():%Y%m%d-%H%M}.zip"
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer
