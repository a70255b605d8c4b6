"""Pages of case work: notes, tasks, timeline, closing, deletion, the audit log.

Each parses its input, calls one service (which reads and changes the case through the door,
so each request is checked and audited once), and renders. The console's shared helpers
(``views.render_page``) keep the look and the links of every console page.
"""

import dataclasses
from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.web.console import (
    auditlog,
    casefacts,
    casetasks,
    closing,
    deletion,
    drafts,
    notes,
    timeline,
)
from reclaim.web.console.access import member_required
from reclaim.web.console.batch_forms import CaseFactsForm
from reclaim.web.console.caseforms import (
    AuditFilterForm,
    CloseForm,
    DeleteForm,
    MarkTaskForm,
    NoteForm,
    TaskForm,
)
from reclaim.web.console.cases import open_case
from reclaim.web.console.closing import WITHDRAWN_OUTCOME
from reclaim.web.console.models import Case, StaffMember
from reclaim.web.console.permissions import Action, covers
from reclaim.web.console.views import render_page

GET_POST = ["GET", "POST"]


@member_required
@require_http_methods(GET_POST)
def notes_page(request: HttpRequest, number: str) -> HttpResponse:
    if drafts.wants_saving(request):
        drafts.save_for_case(request, number, "notes")
        return drafts.answer(request, reverse("console:notes", args=[number]))
    form = NoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            notes.add_note(request, number, form.cleaned_data["text"])
        except notes.NoteError as error:
            form.add_error("text", str(error))
        else:
            return HttpResponseRedirect(reverse("console:notes", args=[number]))
    if form.errors:  # nothing was read: show the form again without the notes
        case = _open_for(request, number, Action.WRITE_NOTES, "notes form")
        return render_page(request, "console/notes.html", {"case": case, "form": form}, status=400)
    shown = notes.read_notes(request, number)
    if request.method == "GET":
        form = NoteForm(initial=drafts.restored(request, "notes", shown.case))
    context = {"case": shown.case, "notes": shown.notes, "form": form, **_saved(request)}
    return render_page(request, "console/notes.html", context)


@member_required
@require_http_methods(GET_POST)
def tasks_page(request: HttpRequest, number: str) -> HttpResponse:
    if drafts.wants_saving(request):
        drafts.save_for_case(request, number, "tasks")
        return drafts.answer(request, reverse("console:tasks", args=[number]))
    if request.method == "POST":
        if "task" in request.POST:
            mark = MarkTaskForm(request.POST)
            if mark.is_valid():
                data = mark.cleaned_data
                casetasks.mark_task(request, number, data["task"], bool(data["done"]))
                return HttpResponseRedirect(reverse("console:tasks", args=[number]))
            form = TaskForm()
        else:
            form = TaskForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    casetasks.add_task(request, number, data["title"], data["due_on"])
                except casetasks.TaskError as error:
                    form.add_error("title", str(error))
                else:
                    return HttpResponseRedirect(reverse("console:tasks", args=[number]))
    else:
        form = TaskForm()
    shown = casetasks.list_tasks(request, number)
    if request.method == "GET":
        form = TaskForm(initial=drafts.restored(request, "tasks", shown.case))
    status = 400 if request.method == "POST" else 200
    context = {"case": shown.case, "tasks": shown.tasks, "form": form, **_saved(request)}
    return render_page(request, "console/tasks.html", context, status=status)


@member_required
@require_GET
def timeline_page(request: HttpRequest, number: str) -> HttpResponse:
    page = request.GET.get("page", "1")
    shown = timeline.timeline(request, number, int(page) if page.isdigit() else 1)
    return render_page(request, "console/timeline.html", {"case": shown.case, "timeline": shown})


@member_required
@require_http_methods(GET_POST)
def close_page(request: HttpRequest, number: str) -> HttpResponse:
    reopening = request.POST.get("do") == "reopen"
    form = CloseForm(request.POST if request.method == "POST" and not reopening else None)
    problem = ""  # why nothing changed (the form's own errors aside)
    if request.method == "POST" and (reopening or form.is_valid()):
        try:
            if reopening:
                closing.reopen_case(request, number)
            else:
                data = form.cleaned_data
                closing.close_case(request, number, data["outcome"], data["note"])
        except closing.ClosingError as error:
            problem = str(error)  # nothing changed or logged: shown below, logged
        else:
            return HttpResponseRedirect(reverse("console:case", args=[number]))
    case = _open_for(request, number, Action.CLOSE_CASE, "closing")
    status = 400 if form.errors or problem else 200
    context = {"case": case, "form": form, "problem": problem, "withdrawn": WITHDRAWN_OUTCOME}
    return render_page(request, "console/close.html", context, status=status)


@member_required
@require_http_methods(GET_POST)
def delete_page(request: HttpRequest, number: str) -> HttpResponse:
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        record = deletion.delete_on_request(request, number, form.cleaned_data["asked_via"])
        return render_page(request, "console/deleted.html", {"record": record})
    case = _open_for(request, number, Action.DELETE_CASE, "deletion")
    status = 400 if form.errors else 200
    return render_page(request, "console/delete.html", {"case": case, "form": form}, status=status)


@member_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    page = request.GET.get("page", "1")
    shown = auditlog.log_page(request, filters, int(page) if page.isdigit() else 1)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": shown,
        "actions": auditlog.known_actions(),
        "query": query.urlencode(),
    }
    return render_page(request, "console/audit.html", context)


@member_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    verified = auditlog.verify_whole_chain(request)
    return render_page(request, "console/audit_verified.html", {"verified": verified})


@member_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    _form, filters = _audit_filters(request)
    lines = auditlog.export_rows(request, filters)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response["Cache-Control"] = "no-store"
    # access.member_required types pages as HttpResponse; a streamed one is served the same way.
    return cast(HttpResponse, response)


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, auditlog.Filters]:
    form = AuditFilterForm(request.GET or None)
    if not form.is_valid():
        return form, auditlog.Filters()
    data = form.cleaned_data
    filters = auditlog.Filters(
        member=data["member"],
        case=data["case"].strip(),
        action=data["action"].strip(),
        since=data["since"],
        until=data["until"],
    )
    return form, filters


@member_required
@require_http_methods(GET_POST)
def facts_page(request: HttpRequest, number: str) -> HttpResponse:
    form = CaseFactsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        casefacts.save(request, number, form.facts())
        return HttpResponseRedirect(reverse("console:case", args=[number]))
    case, facts = casefacts.read(request, number)
    if request.method == "GET":
        form = CaseFactsForm(initial=dataclasses.asdict(facts))
    status = 400 if form.errors else 200
    context = {"case": case, "form": form}
    return render_page(request, "console/case_facts.html", context, status=status)


def _saved(request: HttpRequest) -> dict[str, bool]:
    """Return whether the page is shown after "Save draft" (without the script)."""
    return {"draft_saved": request.method == "GET" and request.GET.get("draft") == "saved"}


def _open_for(request: HttpRequest, number: str, action: Action, page: str) -> Case:
    """Open the case to show the form of ``action``: audited as a view, refused without it."""

    def may(case: Case, member: StaffMember) -> dict[str, str]:
        if not covers(member, case, action):
            raise PermissionDenied(f"{action} is not allowed on this case")
        return {}

    return open_case(request, number, Action.VIEW_CASE, target=page, change=may)
