"""The console's pages: parse, call one service (through the door), render."""

from typing import Any

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from reclaim.languages import LANGUAGE_CODES
from reclaim.web.console import casework, drafts, queue, rechecks, staffing
from reclaim.web.console.access import (
    MEMBER,
    active_member,
    mark_seen,
    member_required,
    service_only,
)
from reclaim.web.console.cases import open_page
from reclaim.web.console.enrolment import INVITATION_HOURS, Issued
from reclaim.web.console.forms import (
    AssignForm,
    ClaimForm,
    IntakeForm,
    MemberForm,
    PasswordForm,
    RolesForm,
    SettingsForm,
    SignInForm,
    country_choices,
)
from reclaim.web.console.models import CaseAddress, StaffMember
from reclaim.web.console.permissions import MATRIX, ROLES, Action, allows
from reclaim.web.safety.bodies import accepts_body

INTAKE_MAX_BYTES = 1024 * 1024  # a paste of some thousands of addresses
# Chosen once and kept on this browser, across sign-outs: a year, renewed by choosing again.
LANGUAGE_KEPT_SECONDS = 365 * 24 * 60 * 60


@service_only
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        otp_login(request, user.otp_device)
        mark_seen(request)
        return HttpResponseRedirect(_console_page(request, request.POST.get(REDIRECT_FIELD_NAME)))
    status = 400 if form.errors else 200
    next_page = request.GET.get(REDIRECT_FIELD_NAME, request.POST.get(REDIRECT_FIELD_NAME, ""))
    context = {"form": form, "next": next_page}
    return _render(request, "console/sign_in.html", context, status=status)


def _console_page(request: HttpRequest, target: str | None) -> str:
    """Return ``target`` if it is a console page on this site, else the queue's address."""
    target = target or ""
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=True)
    return target if safe and target.startswith("/console/") else reverse("console:queue")


@service_only
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Keep the language a staff member chose in a cookie, then show the same page in it.

    Console addresses carry no language prefix; Django's LocaleMiddleware reads this cookie
    (before the browser's Accept-Language) on every page that has none.
    """
    response = HttpResponseRedirect(_console_page(request, request.POST.get(REDIRECT_FIELD_NAME)))
    code = request.POST.get("language", "")
    if code in LANGUAGE_CODES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=LANGUAGE_KEPT_SECONDS,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


@service_only
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    member = active_member(request.user)
    if member is not None:
        drafts.forget_all(member)
    logout(request)
    return HttpResponseRedirect(reverse("console:sign-in"))


@member_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    filters, view, number = _filters(request)
    member = open_page(request, Action.VIEW_QUEUE, {**filters.as_detail(), "view": view})
    if view == "addresses":
        page = queue.address_page(member, filters, number)
    else:
        page = queue.case_page(member, filters, number)
    context = {
        "filters": filters,
        "view": view,
        "page": page,
        "countries": country_choices(),
        "statuses": CaseAddress.Status.choices,
        "caseworkers": _caseworkers(member),
        "query": _query_without_page(request),
        "notifications": rechecks.unread(member),
    }
    return _render(request, "console/queue.html", context)


@member_required
@accepts_body(INTAKE_MAX_BYTES)
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    if drafts.wants_saving(request):
        drafts.save_intake(request)
        return drafts.answer(request, reverse("console:new-case"))
    if request.method == "GET":
        open_page(request, Action.EDIT_CASE, {"page": "intake"})
        form = IntakeForm(initial=drafts.restored(request, "new-case"))
        context = {"form": form, "draft_saved": request.GET.get("draft") == "saved"}
        return _render(request, "console/new_case.html", context)
    form = IntakeForm(request.POST)
    if form.is_valid():
        try:
            made = casework.open_new_case(request, casework.Intake(**form.cleaned_data))
        except casework.CaseworkError as error:
            form.add_error("pasted", str(error))
        else:
            context = {"case": made.case, "recognised": made.recognised}
            return _render(request, "console/case_opened.html", context)
    return _render(request, "console/new_case.html", {"form": form}, status=400)


@member_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    page = request.GET.get("addresses", "1")
    shown = casework.view_case(request, number, int(page) if page.isdigit() else 1)
    context = {"shown": shown, "case": shown.case}
    return _render(request, "console/case.html", context)


@member_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _back(number, status=400)
    try:
        casework.assign(request, number, form.cleaned_data["member"])
    except casework.CaseworkError:
        return _back(number, status=400)
    return _back(number)


@member_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, number: str, address: int) -> HttpResponse:
    if request.method == "GET":  # the question: take over someone else's claim?
        found = casework.view_address(request, number, address)
        context = {"address": found, "case": found.case}
        return _render(request, "console/claim.html", context)
    form = ClaimForm(request.POST)
    take_over = form.is_valid() and form.cleaned_data["take_over"]
    try:
        casework.claim(request, number, address, take_over)
    except casework.ClaimedError:
        return HttpResponseRedirect(reverse("console:claim", args=[number, address]))
    return _back(number)


@member_required
@require_POST
def release(request: HttpRequest, number: str, address: int) -> HttpResponse:
    try:
        casework.release(request, number, address)
    except casework.CaseworkError:
        return _back(number, status=400)
    return _back(number)


@member_required
@require_http_methods(["GET", "POST"])
def staff_page(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = staffing.add_member(
                request, form.cleaned_data["username"], set(form.cleaned_data["roles"])
            )
        except staffing.StaffError as error:
            form.add_error(None, str(error))
        else:
            return _invitation(request, issued)
    context = {"members": staffing.members(request), "form": form, "roles": ROLES}
    return _render(request, "console/staff.html", context, status=400 if form.errors else 200)


@member_required
@require_POST
def member_action(request: HttpRequest, member: int, what: str) -> HttpResponse:
    try:
        if what == "roles":
            form = RolesForm(request.POST)
            if form.is_valid():
                staffing.change_roles(request, member, set(form.cleaned_data["roles"]))
        elif what == "deactivate":
            staffing.deactivate(request, member)
        elif what == "invite":
            return _invitation(request, staffing.reinvite(request, member))
    except staffing.StaffError:
        pass  # the staff page shows how things stand
    return HttpResponseRedirect(reverse("console:staff"))


def _invitation(request: HttpRequest, issued: Issued) -> HttpResponse:
    """The page that shows an invitation's link, once."""
    context = {
        "invitation": issued.invitation,
        "link": request.build_absolute_uri(issued.path),
        "hours": INVITATION_HOURS,
    }
    response = _render(request, "console/invitation.html", context)
    response["Cache-Control"] = "no-store"  # the link is shown once: no copy in a cache
    return response


@member_required
@require_http_methods(["GET", "POST"])
def password_page(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = staffing.change_password(request, data["old"], data["new"])
        except staffing.StaffError as error:
            form.add_error(None, str(error))
        else:
            update_session_auth_hash(request, member.user)  # this session goes on; others end
            return HttpResponseRedirect(reverse("console:queue"))
    status = 400 if form.errors else 200
    return _render(request, "console/password.html", {"form": form}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    admin = staffing.administrator(request, Action.MANAGE_SETTINGS)
    line = admin.helpline
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            staffing.save_settings(request, **form.cleaned_data)
            return HttpResponseRedirect(reverse("console:settings"))
    else:
        open_page(request, Action.MANAGE_SETTINGS, {"page": "settings"})
        initial = {"retention_months": line.retention_months}
        form = SettingsForm(initial={**initial, "reveals_per_hour": line.reveals_per_hour})
    context = {"form": form, "helpline": line, "matrix": _matrix_rows()}
    return _render(request, "console/settings.html", context, status=400 if form.errors else 200)


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a console page as every console page is (for the console's other page modules)."""
    return _render(request, template, context, status)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a console page with who is signed in and which links they may follow."""
    member = getattr(request, MEMBER, None)
    can = {}
    if isinstance(member, StaffMember):
        can = {
            "casework": allows(member, Action.EDIT_CASE),
            "manage_staff": allows(member, Action.MANAGE_STAFF),
            "manage_settings": allows(member, Action.MANAGE_SETTINGS),
            "read_audit": allows(member, Action.READ_AUDIT),
            "view_statistics": allows(member, Action.VIEW_STATISTICS),
        }
    extra = {"member": member, "can": can, "now": timezone.now()}
    extra["idle_minutes"] = settings.STAFF_IDLE_SECONDS // 60
    return render(request, template, {**extra, **context}, status=status)


def _filters(request: HttpRequest) -> tuple[queue.Filters, str, int]:
    get = request.GET
    view = "addresses" if get.get("view") == "addresses" else "cases"
    filters = queue.Filters(
        status=get.get("status", "open")[:12],
        caseworker=get.get("caseworker", "")[:12],
        platform=get.get("platform", "")[:100],
        country=get.get("country", "")[:2],
        overdue=get.get("overdue") == "1",
        reappeared=get.get("reappeared") == "1",
    )
    page = get.get("page", "1")
    return filters, view, int(page) if page.isdigit() else 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _caseworkers(member: StaffMember) -> list[StaffMember]:
    if not allows(member, Action.VIEW_QUEUE):
        return []
    found = StaffMember.objects.filter(helpline_id=member.helpline_id, caseworker=True)
    return list(found.select_related("user").order_by("user__username"))


def _matrix_rows() -> list[tuple[str, list[bool]]]:
    return [(str(action), [action in MATRIX[role] for role in ROLES]) for action in Action]


def _back(number: str, status: int = 302) -> HttpResponse:
    if status != 302:
        return HttpResponse(status=status)
    return HttpResponseRedirect(reverse("console:case", args=[number]))
