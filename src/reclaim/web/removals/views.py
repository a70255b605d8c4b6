"""Views of removal requests: parse the form, call a service, render.

Requests belong to the open locker (reclaim.web.evidence's ``needs_open_locker``).
"""

import datetime
import smtplib
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.notices import (
    EDITABLE,
    DuplicateRequestError,
    NoticeError,
    Plan,
    RemovalRequest,
    Under18RequestError,
    is_overdue,
    missing_elements,
    move,
    new_request,
    next_steps,
)
from reclaim.web import messages
from reclaim.web.access.decorators import draft_initial, needs_open_locker
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals import forms, services, words
from reclaim.web.removals.services import PERSON


@require_GET
@needs_open_locker
def overview(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """List the case's requests, overdue ones first, with their deadlines."""
    rows = [_row(found) for found in services.requests_of(opened)]
    rows.sort(key=lambda row: not row["overdue"])
    context = {"rows": rows, "refresh": True, "incidents": opened.box.incidents()}
    return render(request, "removals/overview.html", context)


@require_GET
@needs_open_locker
def start(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Step one: which address, and where the person lives."""
    incident = _incident(opened, request.GET.get("incident", ""))
    if incident is not None and incident.under_18:
        return render(request, "removals/under18.html", status=200)
    initial = {
        "url": incident.urls[0] if incident and incident.urls else "",
        "country": services.default_country(opened),
    }
    form = forms.StartForm(initial=initial)
    context = {"form": form, "incident": incident}
    return render(request, "removals/start.html", context)


@require_http_methods(["GET", "POST"])
@needs_open_locker
def compose(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Step two: the platform and law found for the address, and the request's facts.

    The address travels in the form's body, never in the page's URL (which browsers keep in
    their history and servers in their logs): a GET (an old link, a reload after unlocking)
    goes back to step one.
    """
    kept = draft_initial(request)  # what was typed as the locker locked, if anything
    if request.method != "POST" and not kept:
        return redirect("removals:start")
    data = request.POST if request.method == "POST" else _as_posted(kept)
    start_form = forms.StartForm(data)
    incident = _incident(opened, data.get("incident", ""))
    if incident is not None and incident.under_18:
        return render(request, "removals/under18.html", status=400)
    if not start_form.is_valid():
        context = {"form": start_form, "incident": incident}
        return render(request, "removals/start.html", context, status=400)
    url, country = start_form.cleaned_data["url"], start_form.cleaned_data["country"]
    plan = services.shown_catalogue().plan(url, country)  # ids and routes as the original's
    first = data.get("step") == "start"
    restored = request.method != "POST"  # shown again to check and send, never sent unseen
    form = forms.FactsForm(
        None if first else data, routes=plan.routes, can_email=services.can_email()
    )
    context = {"form": form, "plan": plan, "url": url, "country": country, "incident": incident}
    if first or restored or not form.is_valid():
        status = 200 if first or restored else 400
        return render(request, "removals/compose.html", context, status=status)
    return _make(request, opened, context)


def _as_posted(fields: dict[str, Any]) -> QueryDict:
    """Return a kept draft's fields as the form had posted them."""
    posted = QueryDict(mutable=True)
    for name, value in fields.items():
        posted.setlist(name, value if isinstance(value, list) else [value])
    return posted


def _make(request: HttpRequest, opened: OpenLocker, context: dict[str, Any]) -> HttpResponse:
    """Store the new request; a second one for the same address shows the first, text kept."""
    form, plan, url, incident = (
        context["form"],
        context["plan"],
        context["url"],
        context["incident"],
    )
    try:
        made = services.start(opened, new_request(
            url, form.facts(url), plan.platform.id if plan.platform else "",
            _directory_index(plan, form.cleaned_data.get("route", -1)), plan.profile.id,
            context["country"], PERSON, incident_id=incident.id if incident else "",
            follow_up_days=settings.FOLLOW_UP_DAYS,
            remind_email=form.cleaned_data.get("remind_email", ""),
            recipient=form.cleaned_data.get("recipient", ""),
        ), ready=form.wants_ready)  # fmt: skip
    except DuplicateRequestError as error:
        existing = error.existing
        context |= {"existing": existing, "can_add": existing.status in EDITABLE}
        return render(request, "removals/compose.html", context, status=409)
    except Under18RequestError:
        return render(request, "removals/under18.html", status=400)
    return redirect("removals:detail", made.id)


def _directory_index(plan: Plan, ranked_index: int) -> int:
    """Return where the route chosen among the plan's (ranked) routes is in the directory."""
    if plan.platform is None or not 0 <= ranked_index < len(plan.routes):
        return -1
    return plan.platform.routes.index(plan.routes[ranked_index])


@require_http_methods(["GET", "POST"])
@needs_open_locker
def edit(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Change a request not yet sent: complete a draft, correct it, make it ready.

    With ``merge`` (from a second request about the same address), what was typed there is
    added to this request rather than replacing it.
    """
    if request.method == "POST":
        found = _request_to_change(opened, request_id)
    else:
        found = _request(opened, request_id)
    if found.status not in EDITABLE:
        return redirect("removals:detail", found.id)
    plan = services.shown_catalogue().plan(found.url, found.country)
    initial = {**forms.FactsForm.initial_of(found), "route": _ranked_index(plan, found)}
    data = request.POST if request.method == "POST" else None
    form = forms.FactsForm(
        data, initial=initial, routes=plan.routes, can_email=services.can_email()
    )
    if data is not None and form.is_valid():
        _save_edit(opened, found, form, plan, merge=data.get("action") == "merge")
        return redirect("removals:detail", found.id)
    context = {"form": form, "plan": plan, "url": found.url, "request": found}
    return render(request, "removals/edit.html", context, status=400 if form.errors else 200)


def _save_edit(
    opened: OpenLocker, found: RemovalRequest, form: forms.FactsForm, plan: Plan, merge: bool
) -> None:
    """Store the edited request. Merging what was typed for a second request, an empty box
    keeps what the request had, and the route stays as it was chosen."""
    facts = form.facts(found.url)
    if merge:
        facts = services.merged_facts(found.facts, facts)
    changes: dict[str, Any] = {}
    for name in ("recipient", "remind_email"):  # each only when the form has the box
        typed = form.cleaned_data.get(name)
        if typed is not None and (typed or not merge):
            changes[name] = typed
    if plan.routes and not merge:
        changes["route_index"] = _directory_index(plan, form.cleaned_data["route"])
    # Adding to the request already made: it becomes ready if that makes it complete.
    services.edit(opened, found, facts, form.wants_ready or merge, **changes)


def _ranked_index(plan: Plan, found: RemovalRequest) -> int:
    if plan.platform is None or not 0 <= found.route_index < len(plan.platform.routes):
        return 0
    route = plan.platform.routes[found.route_index]
    return plan.routes.index(route) if route in plan.routes else 0


@require_POST
@needs_open_locker
def withdraw(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Withdraw a request on the person's word (kept, with its history, as withdrawn)."""
    found = _request_to_change(opened, request_id)
    if found.is_open:
        services.withdraw(opened, found)
    return redirect("removals:detail", found.id)


@require_GET
@needs_open_locker
def detail(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Show one request: the notice to send, where it stands, its clock and next steps."""
    found = _request(opened, request_id)
    return render(request, "removals/detail.html", _detail_context(found))


def _detail_context(found: RemovalRequest, **extra: Any) -> dict[str, Any]:
    shown = services.shown_catalogue()
    platform, route, profile = services.parts_of(found, shown)
    try:
        notice = services.notice_for(found)  # the request itself, as it goes (in English)
        pack = services.form_pack(found)
    except NoticeError:
        notice, pack = None, ()
    row = _row(found)
    hosting = services.hosting_of(found)
    return {
        **row,
        "platform": platform,
        "route": route,
        "profile": profile,
        "notice": notice,
        "pack": pack,
        "missing": missing_elements(found.facts, profile),
        "hosting": hosting,
        "steps": [
            words.step_in_words(step)
            for step in next_steps(found, profile, shown.directory, hosting, row["overdue"])
        ],
        "history": [words.history_line(event) for event in found.events],
        "status_form": extra.pop("status_form", None) or _status_form(found),
        "can_email": services.can_email() and route.kind == "email" and found.status == "ready",
        "editable": found.status in EDITABLE,
        "host_form": extra.pop("host_form", None) or _host_form(found, hosting),
        "refresh": True,
        **extra,
    }


def _host_form(found: RemovalRequest, hosting: Any) -> forms.HostEmailForm | None:
    if found.platform_id:
        return None
    emails = [n.email for n in hosting.networks if n.email] if hosting else []
    return forms.HostEmailForm(initial={"recipient": found.recipient or next(iter(emails), "")})


def _status_form(found: RemovalRequest) -> forms.StatusForm | None:
    if not found.is_open or found.status == "draft":
        return None
    return forms.StatusForm(current=found.status)


@require_POST
@needs_open_locker
def record(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Record a change of status: sent, the platform's answer, an appeal, withdrawn."""
    found = _request_to_change(opened, request_id)
    form = forms.StatusForm(request.POST, current=found.status)
    problem = ""
    if form.is_valid():
        try:
            moved = move(found, form.cleaned_data["status"], PERSON, **form.details())
        except NoticeError:
            problem = str(messages.NOTICE_FAILED)  # the core's English detail is not shown
        else:
            services.change(opened, moved, moved.status)
            return redirect("removals:detail", found.id)
    context = _detail_context(found, status_form=form, problem=problem)
    return render(request, "removals/detail.html", context, status=400)


@require_POST
@needs_open_locker
def send(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Send the request by email (service mode with SMTP), keeping a copy in the locker."""
    found = _request_to_change(opened, request_id)
    if not services.can_email():
        raise Http404("this site does not send email")
    try:
        services.send_email(opened, found)
    except (OSError, smtplib.SMTPException):
        context = _detail_context(found, problem="send-failed")
        return render(request, "removals/detail.html", context, status=502)
    return redirect("removals:detail", found.id)


@require_POST
@needs_open_locker
def find_host(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Look up who hosts the page, who registered the domain, and any CDN in front."""
    found = _request_to_change(opened, request_id)
    try:
        services.find_host(opened, found)
    except services.HostUnknownError:
        context = _detail_context(found, problem="host-unknown")
        return render(request, "removals/detail.html", context, status=503)
    return redirect("removals:detail", found.id)


@require_POST
@needs_open_locker
def recipient(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Set the abuse email address of a site the directory does not know."""
    found = _request_to_change(opened, request_id)
    form = forms.HostEmailForm(request.POST)
    if found.platform_id or not form.is_valid():
        context = _detail_context(found, host_form=form)
        return render(request, "removals/detail.html", context, status=400)
    services.set_recipient(opened, found, form.cleaned_data["recipient"])
    return redirect("removals:detail", found.id)


@require_GET
@needs_open_locker
def printable(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """The request as one page to print or save, with the site's exit button and language."""
    notice = _notice(opened, request_id)
    context = {"notice": notice, "request_id": request_id, "refresh": True}
    return render(request, "removals/print.html", context)


@require_GET
@needs_open_locker
def text(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """The request as plain text, to download."""
    notice = _notice(opened, request_id)
    response = HttpResponse(notice.plain_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="removal-request.txt"'
    return response


def _notice(opened: OpenLocker, request_id: str) -> Any:
    try:
        return services.notice_for(_request(opened, request_id))
    except NoticeError:
        raise Http404("this request is not complete yet") from None


def _request(opened: OpenLocker, request_id: str) -> RemovalRequest:
    """Return a request to show (GET: nothing is written)."""
    try:
        return services.request_of(opened, request_id)
    except NoticeError:
        raise Http404("no such request") from None


def _request_to_change(opened: OpenLocker, request_id: str) -> RemovalRequest:
    """Return a request to change (POST), after recording what the worker saw."""
    try:
        return services.request_to_change(opened, request_id)
    except NoticeError:
        raise Http404("no such request") from None


def _incident(opened: OpenLocker, incident_id: str) -> Any:
    return next((i for i in opened.box.incidents() if i.id == incident_id), None)


def _row(found: RemovalRequest) -> dict[str, Any]:
    platform, _, _ = services.parts_of(found, services.shown_catalogue())
    due = services.due(found)
    return {
        "request": found,
        "platform": platform,
        "status_words": forms.STATUS_WORDS[found.status],
        "due": due,
        "overdue": is_overdue(found, due, timezone.now()),
        "sent_on": _date(found.submitted_utc),
    }


def _date(value: str) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None
