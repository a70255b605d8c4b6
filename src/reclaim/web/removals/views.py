"""Views of removal requests: parse the form, call a service, render.

Requests belong to the open locker (reclaim.web.evidence's ``needs_open_locker``).
"""

import datetime
import smtplib
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.notices import (
    DuplicateRequestError,
    NoticeError,
    RemovalRequest,
    Under18RequestError,
    is_overdue,
    missing_elements,
    move,
    new_request,
    next_steps,
)
from reclaim.web.evidence.session import OpenLocker
from reclaim.web.evidence.views import needs_open_locker
from reclaim.web.removals import forms, services
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
    initial = {"url": incident.urls[0] if incident and incident.urls else ""}
    form = forms.StartForm(initial=initial)
    context = {"form": form, "incident": incident}
    return render(request, "removals/start.html", context)


@require_http_methods(["GET", "POST"])
@needs_open_locker
def compose(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Step two: the platform and law found for the address, and the request's facts."""
    start_form = forms.StartForm(request.GET)
    if not start_form.is_valid():
        return render(request, "removals/start.html", {"form": start_form}, status=400)
    url, country = start_form.cleaned_data["url"], start_form.cleaned_data["country"]
    incident = _incident(opened, request.GET.get("incident", ""))
    if incident is not None and incident.under_18:
        return render(request, "removals/under18.html", status=400)
    plan = services.catalogue().plan(url, country)
    form = forms.FactsForm(request.POST or None, routes=plan.routes, can_email=services.can_email())
    if request.method == "POST" and form.is_valid():
        route_index = form.cleaned_data.get("route", -1)
        try:
            made = services.start(opened, new_request(
                url, form.facts(url), plan.platform.id if plan.platform else "", route_index,
                plan.profile.id, country, PERSON, incident_id=incident.id if incident else "",
                follow_up_days=settings.FOLLOW_UP_DAYS,
                remind_email=form.cleaned_data.get("remind_email", ""),
                recipient=form.cleaned_data.get("recipient", ""),
            ))  # fmt: skip
        except DuplicateRequestError as error:
            return render(request, "removals/duplicate.html", {"existing": error.existing})
        except Under18RequestError:
            return render(request, "removals/under18.html", status=400)
        return redirect("removals:detail", made.id)
    context = {"form": form, "plan": plan, "url": url, "country": country,
               "incident": incident}  # fmt: skip
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "removals/compose.html", context, status=status)


@require_GET
@needs_open_locker
def detail(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Show one request: the notice to send, where it stands, its clock and next steps."""
    found = _request(opened, request_id)
    return render(request, "removals/detail.html", _detail_context(found))


def _detail_context(found: RemovalRequest, **extra: Any) -> dict[str, Any]:
    platform, route, profile = services.parts_of(found)
    try:
        notice = services.notice_for(found)
    except NoticeError:
        notice = None
    row = _row(found)
    hosting = services.hosting_of(found)
    return {
        **row,
        "platform": platform,
        "route": route,
        "profile": profile,
        "notice": notice,
        "missing": missing_elements(found.facts, profile),
        "hosting": hosting,
        "steps": next_steps(
            found, profile, services.catalogue().directory, hosting, row["overdue"]
        ),
        "status_form": extra.pop("status_form", None) or _status_form(found),
        "can_email": services.can_email() and route.kind == "email" and found.status == "ready",
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
    found = _request(opened, request_id)
    form = forms.StatusForm(request.POST, current=found.status)
    problem = ""
    if form.is_valid():
        try:
            moved = move(found, form.cleaned_data["status"], PERSON, **form.details())
        except NoticeError as error:
            problem = str(error)
        else:
            services.change(opened, moved, moved.status)
            return redirect("removals:detail", found.id)
    context = _detail_context(found, status_form=form, problem=problem)
    return render(request, "removals/detail.html", context, status=400)


@require_POST
@needs_open_locker
def send(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Send the request by email (service mode with SMTP), keeping a copy in the locker."""
    found = _request(opened, request_id)
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
    found = _request(opened, request_id)
    services.find_host(opened, found)
    return redirect("removals:detail", found.id)


@require_POST
@needs_open_locker
def recipient(request: HttpRequest, opened: OpenLocker, request_id: str) -> HttpResponse:
    """Set the abuse email address of a site the directory does not know."""
    found = _request(opened, request_id)
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
    try:
        return services.request_of(opened, request_id)
    except NoticeError:
        raise Http404("no such request") from None


def _incident(opened: OpenLocker, incident_id: str) -> Any:
    return next((i for i in opened.box.incidents() if i.id == incident_id), None)


def _row(found: RemovalRequest) -> dict[str, Any]:
    platform, _, _ = services.parts_of(found)
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
