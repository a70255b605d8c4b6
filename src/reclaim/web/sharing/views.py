"""Views of sharing with a helpline: parse the form, call a service, render.

Every page needs the locker open (reclaim.web.access's ``needs_open_locker``). A GET writes
nothing; each change is a POST.
"""

from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.locker import NotFoundError, Under18Error
from reclaim.referrals import SUFFIX, ReferralError
from reclaim.web.access.decorators import draft_initial, needs_open_locker
from reclaim.web.access.session import OpenLocker
from reclaim.web.sharing import drafts, forms, services


@require_GET
@needs_open_locker
def shared(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """List what was shared with helplines: with whom, when, until when, and where it stands."""
    context = {"rows": services.shown(opened), "refresh": True}
    return render(request, "sharing/shared.html", context)


@require_http_methods(["GET", "POST"])
@needs_open_locker
def ask(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Choose a helpline and exactly what to share; check it; then send it or make a file."""
    helplines = services.helplines()
    if not helplines:
        return render(request, "sharing/none.html")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "start-again":
        drafts.forget(request)
        return redirect("sharing:ask")
    data, initial = _with_incident(request, opened, _data(request, opened))
    form = _form(opened, helplines, data, initial)
    if action in ("check", "send", "file") and form.is_valid():
        drafts.keep(request, opened)
        if action == "check":
            return render(request, "sharing/confirm.html", _confirm_context(form))
        return _share(request, opened, form, send=action == "send")
    if action == "change":  # back from the confirmation, to change something: kept as typed
        drafts.keep(request, opened)
    status = 400 if action in ("check", "send", "file") else 200
    return render(request, "sharing/ask.html", _ask_context(form), status=status)


def _data(request: HttpRequest, opened: OpenLocker) -> Any:
    """Return the fields to fill the form with: posted, kept as the locker locked, or kept."""
    if request.method == "POST":
        return request.POST
    locked = draft_initial(request)
    return drafts.as_posted(locked) if locked else drafts.kept(request, opened)


def _with_incident(
    request: HttpRequest, opened: OpenLocker, data: Any
) -> tuple[Any, dict[str, Any]]:
    """Tick the incident whose page linked here ("?incident="), keeping anything kept.

    Return the fields to fill the form with and its initial values. Only an incident in the
    locker is ticked; nothing else is ever chosen for the person.
    """
    chosen = request.GET.get("incident", "") if request.method == "GET" else ""
    if not chosen or chosen not in {incident.id for incident in opened.box.incidents()}:
        return data, {}
    if data is None:
        return None, {"incidents": [chosen]}
    data = data.copy()
    if chosen not in data.getlist("incidents"):
        data.appendlist("incidents", chosen)
    return data, {}


def _form(
    opened: OpenLocker, helplines: Any, data: Any, initial: dict[str, Any] | None = None
) -> forms.AskForm:
    box = opened.box
    return forms.AskForm(
        data,
        initial=initial or {},
        helplines=helplines,
        incidents=box.incidents(),
        items=[item for item in box.items() if not item.damaged],
        requests=list(box.request_records()),
        language=get_language(),
    )


def _ask_context(form: forms.AskForm) -> dict[str, Any]:
    errors = form.non_field_errors().as_data() if form.is_bound else []
    return {
        "form": form,
        "under_18_refused": any(error.code == forms.UNDER_18 for error in errors),
        "refresh": True,
    }


def _confirm_context(form: forms.AskForm) -> dict[str, Any]:
    posted: QueryDict = form.data  # type: ignore[assignment]  # bound to request.POST
    return {
        "form": form,
        "helpline": form.chosen_helpline,
        "incidents": form.chosen("incidents"),
        "items": form.chosen("items"),
        "requests": form.chosen("requests"),
        "days": dict(forms.DAYS)[form.cleaned_data["days"]],
        # What was chosen and typed goes with the buttons, as posted (nothing in the URL).
        "hidden": [
            (name, value)
            for name in posted
            if name not in drafts.NOT_TYPED
            for value in posted.getlist(name)
        ],
        "refresh": True,
    }


def _share(
    request: HttpRequest, opened: OpenLocker, form: forms.AskForm, send: bool
) -> HttpResponse:
    """Make the referral; send it (or keep it as a file); show where it stands."""
    try:
        made = services.share(opened, form.chosen_helpline, form.selection())
    except Under18Error:
        form.add_error(None, forms.under_18_error())
        return render(request, "sharing/ask.html", _ask_context(form), status=400)
    except (ReferralError, NotFoundError):  # changed since the page was shown: choose again
        form.add_error(None, forms.changed_error())
        return render(request, "sharing/ask.html", _ask_context(form), status=400)
    if not send:
        drafts.forget(request)
        return redirect("sharing:detail", made.id)
    try:
        services.send(opened, made.id)
    except services.UnreachableError:
        context = {**_detail_context(opened, made.id), "problem": "not-sent"}
        return render(request, "sharing/detail.html", context, status=502)
    drafts.forget(request)
    return redirect("sharing:detail", made.id)


@require_GET
@needs_open_locker
def detail(request: HttpRequest, opened: OpenLocker, referral_id: str) -> HttpResponse:
    """One referral: what was shared, with whom, when, until when, and who opened it."""
    return render(request, "sharing/detail.html", _detail_context(opened, referral_id))


def _detail_context(opened: OpenLocker, referral_id: str) -> dict[str, Any]:
    row = _shown(opened, referral_id)
    box, found = opened.box, row.referral
    incidents = {incident.id: incident for incident in box.incidents()}
    items = {item.id: item for item in box.items()}
    requests = {str(record["id"]): record for record in box.request_records()}
    return {
        "row": row,
        "referral": found,
        "incidents": [incidents[i] for i in found.incidents if i in incidents],
        "items": [items[i] for i in found.items if i in items],
        "requests": [requests[i] for i in found.requests if i in requests],
        "refresh": True,
    }


@require_POST
@needs_open_locker
def send(request: HttpRequest, opened: OpenLocker, referral_id: str) -> HttpResponse:
    """Try sending a referral again that could not be sent before."""
    _shown(opened, referral_id)
    try:
        services.send(opened, referral_id)
    except services.UnreachableError:
        context = {**_detail_context(opened, referral_id), "problem": "not-sent"}
        return render(request, "sharing/detail.html", context, status=502)
    drafts.forget(request)
    return redirect("sharing:detail", referral_id)


@require_GET
@needs_open_locker
def download(request: HttpRequest, opened: OpenLocker, referral_id: str) -> HttpResponseBase:
    """The referral's file (encrypted to the helpline: only it can open it), to carry to them."""
    _shown(opened, referral_id)
    path = services.referral_file(opened.ref, referral_id)
    if not path.is_file():
        raise Http404("this referral has no file here")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"referral-{referral_id[:8]}{SUFFIX}",
        content_type="application/vnd.reclaim.referral",
    )


@require_POST
@needs_open_locker
def openings(request: HttpRequest, opened: OpenLocker, referral_id: str) -> HttpResponse:
    """Ask the helpline who has opened it, keep the answer, and show it."""
    _shown(opened, referral_id)
    try:
        services.check_openings(opened, referral_id)
    except services.UnreachableError:
        context = {**_detail_context(opened, referral_id), "problem": "openings-unreachable"}
        return render(request, "sharing/detail.html", context, status=502)
    return redirect("sharing:detail", referral_id)


@require_http_methods(["GET", "POST"])
@needs_open_locker
def stop(request: HttpRequest, opened: OpenLocker, referral_id: str) -> HttpResponse:
    """Stop sharing (withdraw consent), after the person confirms it."""
    context = _detail_context(opened, referral_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        if services.withdraw(opened, referral_id):
            return redirect("sharing:detail", referral_id)
        context = {**_detail_context(opened, referral_id), "problem": "stop-unreachable"}
        return render(request, "sharing/detail.html", context, status=502)
    return render(request, "sharing/stop.html", context)


def _shown(opened: OpenLocker, referral_id: str) -> services.Shown:
    try:
        return services.shown_one(opened, referral_id)
    except NotFoundError:
        raise Http404("no such referral") from None
