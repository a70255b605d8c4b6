"""Views of the evidence locker: parse the form, call the locker or a service, render.

Every page that shows evidence needs the locker open in this browser (``needs_open_locker``,
from reclaim.web.access); each such page counts as activity for the auto-lock.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reclaim.errors import ReclaimError
from reclaim.locker import (
    MAX_CHECKED_PIXELS,
    EvidenceItem,
    Incident,
    IntakeError,
    LockerError,
    NotFoundError,
    Under18Error,
    keep_file,
)
from reclaim.web import messages
from reclaim.web.access import drafts, limits, lockers, recovery, session
from reclaim.web.access.decorators import draft_initial, needs_open_locker
from reclaim.web.access.session import OpenLocker
from reclaim.web.evidence import arrivals, forms, packs, tasks
from reclaim.web.evidence.uploads import upload_body_bytes
from reclaim.web.removals.services import needing_attention
from reclaim.web.safety.bodies import accepts_body

View = Callable[..., HttpResponseBase]


# Getting in -------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send the person to their locker, to unlocking it, or to setting it up."""
    if session.current(request) is not None:
        return redirect("evidence:overview")
    if not settings.SERVICE and not lockers.personal_exists():
        return render(request, "evidence/welcome.html")
    return redirect("evidence:unlock")


@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    """Choose a passphrase (and, in service mode, a username); show the recovery code once."""
    form_class = forms.AccountForm if settings.SERVICE else forms.SetUpForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _count_client(request, "set-up")
            if settings.SERVICE:
                box, code, ref = lockers.create_account(
                    form.cleaned_data["username"], form.cleaned_data["passphrase"]
                )
            else:
                box, code = lockers.create_personal(form.cleaned_data["passphrase"])
                ref = lockers.PERSONAL
        except lockers.AccessError as error:
            return _access_problem(request, "evidence/set_up.html", form, error)
        response = redirect("evidence:recovery_code")
        session.open_for(request, response, box, ref)
        recovery.keep(request, ref, code)
        return response
    if not settings.SERVICE and lockers.personal_exists():
        return redirect("evidence:unlock")
    return render(request, "evidence/set_up.html", {"form": form}, status=_status(form))


@require_http_methods(["GET", "POST"])
@needs_open_locker
def recovery_code(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Show the new locker's recovery code until the person says they have written it down."""
    code = recovery.shown(request, opened)
    if code is None:
        recovery.forget(request)  # not this locker's, or damaged: never a page that loops
        return redirect("evidence:overview")
    if request.method == "POST":
        recovery.forget(request)
        return redirect("evidence:overview")
    return render(request, "evidence/recovery_code.html", {"code": code})


@require_http_methods(["GET", "POST"])
def unlock(request: HttpRequest) -> HttpResponse:
    """Open the locker with its passphrase."""
    form = forms.UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _count_client(request, "sign-in")
            box, ref = lockers.unlock(
                form.cleaned_data.get("username"), form.cleaned_data["passphrase"]
            )
        except lockers.AccessError as error:
            return _access_problem(request, "evidence/unlock.html", form, error)
        response = redirect(drafts.waiting(request, ref) or reverse("evidence:overview"))
        session.open_for(request, response, box, ref)
        return response
    if not settings.SERVICE and not lockers.personal_exists():
        return redirect("evidence:home")
    context = {
        "form": form,
        "idle": request.GET.get("idle") == "1",
        "draft_waiting": drafts.waiting(request) is not None,
    }
    return render(request, "evidence/unlock.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    """Open the locker with the recovery code and choose a new passphrase."""
    form = forms.RecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _count_client(request, "recovery")
            box, ref = lockers.recover(
                data.get("username"), data["recovery_code"], data["passphrase"]
            )
        except lockers.AccessError as error:
            return _access_problem(request, "evidence/recover.html", form, error)
        response = render(request, "evidence/recovered.html")
        session.open_for(request, response, box, ref)
        return response
    return render(request, "evidence/recover.html", {"form": form}, status=_status(form))


@require_http_methods(["GET", "POST"])
def lock(request: HttpRequest) -> HttpResponse:
    """Lock the locker now (a button, the idle timer, or the idle page refresh).

    The page's script, locking a form the person was typing in, posts that form here with
    ``draft_for`` (the form's address): what was typed is kept sealed for after unlocking.
    """
    opened = session.current(request)
    back = request.POST.get("draft_for", "")
    if request.method == "POST" and opened is not None and back:
        drafts.keep(request, opened.ref, back)
    context = {"idle": request.GET.get("idle") == "1", "draft_waiting": drafts.waiting(request)}
    response = render(request, "evidence/locked.html", context)
    session.lock(request, response)
    return response


@require_POST
def stay(request: HttpRequest) -> HttpResponse:
    """Keep the locker open: the answer to the auto-lock warning."""
    if session.current(request) is None:
        return HttpResponse(status=409)
    session.seen_now(request)
    back = request.POST.get("next", "")
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return HttpResponse(status=204)


def _count_client(request: HttpRequest, bucket: str) -> None:
    """In service mode, count one try from this client; raise AccessError("held") if over."""
    if settings.SERVICE and not limits.allow(request, bucket, lockers.CLIENT_TRIES_PER_HOUR):
        raise lockers.AccessError("held", limits.wait_minutes())


def _access_problem(
    request: HttpRequest, template: str, form: Any, error: lockers.AccessError
) -> HttpResponse:
    context = {"form": form, "access_error": error.reason, "minutes": error.minutes}
    return render(request, template, context, status=429 if error.reason == "held" else 400)


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


# The case --------------------------------------------------------------------------------

# The overview lists the latest rows of each incident and of the evidence linked to none, with
# a link to all of them: rendering a row takes about 0.15 ms, and a case of 1,000 items must
# still answer within 50 ms (bench/locker_pages.py). The incident page lists them all.
OVERVIEW_ROWS = 3


@require_GET
@needs_open_locker
def overview(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Show the case: incidents on a timeline, the evidence, captures running or arrived.

    Writes nothing: arrived captures are listed as waiting, and kept with the next change.
    """
    box = opened.box
    by_incident: dict[str | None, list[EvidenceItem]] = defaultdict(list)
    for found in box.items():
        by_incident[found.incident].append(found)
    context = {
        "timeline": _timeline(box.incidents(), by_incident),
        "unlinked": _latest(rows(by_incident[None])),
        "tasks": tasks.tasks_for(opened.ref, box),
        "arrived": arrivals.waiting(opened),
        "timestamps": box.timestamps(),
        "requests_to_see": _requests_to_see(opened),
        "refresh": True,
    }
    return render(request, "evidence/overview.html", context)


@require_POST
@needs_open_locker
def keep_arrived(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Keep the arrived captures now (the decorator does it before any POST), then show them."""
    return redirect("evidence:overview")


def _requests_to_see(opened: OpenLocker) -> int:
    return needing_attention(opened)  # removals depends on access, never on this app


def _timeline(
    incidents: list[Incident], by_incident: Mapping[str | None, list[EvidenceItem]]
) -> list[dict[str, Any]]:
    def when(incident: Incident) -> str:
        return incident.happened_on or incident.discovered_on or "9999"

    ordered = sorted(incidents, key=when)
    return [{"incident": i, **_latest(rows(by_incident.get(i.id, [])))} for i in ordered]


def _latest(listed: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the last OVERVIEW_ROWS rows as ``items``, how many there are, and if more."""
    return {
        "items": listed[-OVERVIEW_ROWS:],
        "count": len(listed),
        "more": len(listed) > OVERVIEW_ROWS,
    }


@require_GET
@needs_open_locker
def unlinked(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """List all the evidence not linked to an incident (the overview shows the latest)."""
    items = rows([found for found in opened.box.items() if found.incident is None])
    return render(request, "evidence/unlinked.html", {"items": items, "refresh": True})


def rows(items: list[EvidenceItem]) -> list[dict[str, Any]]:
    """Return the items as rows to list: the files of one web capture make one row.

    Each row has the item its link opens (a capture's screenshot, if it has one) and its parts.
    """
    found: list[dict[str, Any]] = []
    captures: dict[str, dict[str, Any]] = {}
    for item in items:
        delivery = item.details.get("delivery") if item.kind == "capture" else None
        if delivery in captures:
            captures[str(delivery)]["parts"].append(item)
            continue
        row: dict[str, Any] = {"item": item, "parts": [item]}
        found.append(row)
        if delivery:
            captures[delivery] = row
    for row in captures.values():
        shots = [part for part in row["parts"] if part.name == "screenshot.png"]
        row["item"] = shots[0] if shots else row["parts"][0]
    return found


@require_http_methods(["GET", "POST"])
@needs_open_locker
def incident_new(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Add an incident to the timeline."""
    form = forms.IncidentForm(request.POST or None, initial=draft_initial(request))
    if request.method == "POST" and form.is_valid():
        incident = opened.box.add_incident(form.incident())
        return redirect("evidence:incident", incident.id)
    context = {"form": form}
    return render(request, "evidence/incident_form.html", context, status=_status(form))


@require_GET
@needs_open_locker
def incident(request: HttpRequest, opened: OpenLocker, incident_id: str) -> HttpResponse:
    """Show one incident and the evidence linked to it."""
    found = _incident(opened, incident_id)
    items = rows([item for item in opened.box.items() if item.incident == incident_id])
    context = {"incident": found, "items": items, "refresh": True}
    return render(request, "evidence/incident.html", context)


@require_http_methods(["GET", "POST"])
@needs_open_locker
def incident_edit(request: HttpRequest, opened: OpenLocker, incident_id: str) -> HttpResponse:
    """Correct an incident; the change and its reason go in the custody log."""
    found = _incident(opened, incident_id)
    initial = {**forms.IncidentForm.initial_from(found), **draft_initial(request)}
    form = forms.CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        opened.box.correct_incident(form.incident(found.id), form.cleaned_data["reason"])
        return redirect("evidence:incident", found.id)
    context = {"form": form, "incident": found}
    return render(request, "evidence/incident_form.html", context, status=_status(form))


def _incident(opened: OpenLocker, incident_id: str) -> Incident:
    try:
        return opened.box.incident(incident_id)
    except LockerError:
        raise Http404("no such incident") from None


# Evidence --------------------------------------------------------------------------------


@accepts_body(upload_body_bytes, allowed=session.is_open)
@require_http_methods(["GET", "POST"])
@needs_open_locker
def upload(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Keep a file: its bytes untouched, its digests and what can be read about it."""
    box = opened.box
    incidents = box.incidents()
    initial = {"incident": request.GET.get("incident", ""), **draft_initial(request)}
    form = forms.UploadForm(
        request.POST or None, request.FILES or None, incidents=incidents, initial=initial
    )
    problem = ""
    if getattr(request, "upload_too_large", False):
        problem = "too-large"
    elif request.method == "POST" and form.is_valid():
        incident_id = form.cleaned_data["incident"] or None
        try:
            item = _keep_upload(opened, form, incident_id)
        except Under18Error:
            problem = "under-18"
        except IntakeError as error:
            problem = messages.intake_problem(error)
        else:
            lockers.timestamp_arrivals(box)
            return redirect("evidence:item", item.id)
    context = {
        "form": form,
        "problem": problem,
        "max_bytes": settings.MAX_UPLOAD_BYTES,
    }
    status = 413 if problem == "too-large" else 400 if problem or form.errors else 200
    return render(request, "evidence/upload.html", context, status=status)


def _keep_upload(opened: OpenLocker, form: forms.UploadForm, incident: str | None) -> EvidenceItem:
    upload = form.cleaned_data["file"]
    return keep_file(
        opened.box,
        upload.file,
        upload.name,
        note=form.cleaned_data["note"],
        incident=incident,
        # Browsers send a file's name but none of its times (created, modified).
        origin={"original_name": upload.name},
    )


# A message of 100,000 characters in any script, form-encoded (up to 12 bytes a character).
MESSAGE_BODY_BYTES = 2 * 1024 * 1024


@accepts_body(MESSAGE_BODY_BYTES, allowed=session.is_open)
@require_http_methods(["GET", "POST"])
@needs_open_locker
def message_new(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Keep a message or threat as it was written, with who sent it and when."""
    initial = {"incident": request.GET.get("incident", ""), **draft_initial(request)}
    form = forms.MessageForm(
        request.POST or None, incidents=opened.box.incidents(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = opened.box.add_message(
            data["text"],
            data["sender"],
            form.sent_at_text(),
            data["incident"] or None,
            time_zone=form.sent_zone(),
        )
        lockers.timestamp_arrivals(opened.box)
        return redirect("evidence:item", item.id)
    return render(request, "evidence/message_form.html", {"form": form}, status=_status(form))


@require_http_methods(["GET", "POST"])
@needs_open_locker
def capture_new(request: HttpRequest, opened: OpenLocker) -> HttpResponse:
    """Ask for a web page to be captured in the background."""
    initial = {"incident": request.GET.get("incident", ""), **draft_initial(request)}
    form = forms.CaptureForm(
        request.POST or None, incidents=opened.box.incidents(), initial=initial
    )
    problem = ""
    if request.method == "POST" and form.is_valid():
        incident_id = form.cleaned_data["incident"] or None
        try:
            opened.box.check_media_allowed(incident_id)
        except Under18Error:
            problem = "under-18"
        else:
            tasks.queue_capture(opened.ref, form.cleaned_data["url"], incident_id)
            return redirect(reverse("evidence:overview") + "#captures")
    context = {"form": form, "problem": problem}
    status = 400 if problem else _status(form)
    return render(request, "evidence/capture_form.html", context, status=status)


@require_POST
@needs_open_locker
def task_dismiss(request: HttpRequest, opened: OpenLocker, task_id: UUID) -> HttpResponse:
    """Remove a failed capture from the list."""
    tasks.dismiss(opened.ref, str(task_id))
    return redirect(reverse("evidence:overview") + "#captures")


@require_GET
@needs_open_locker
def item(request: HttpRequest, opened: OpenLocker, item_id: str) -> HttpResponse:
    """Show an item's details; a picture stays blurred until the person asks to see it."""
    found = _item(opened, item_id)
    form = forms.LinkForm(incidents=opened.box.incidents(), initial={"incident": found.incident})
    return _item_page(request, opened, found, form)


@require_POST
@needs_open_locker
def item_link(request: HttpRequest, opened: OpenLocker, item_id: str) -> HttpResponse:
    """Link an item to an incident, or unlink it; the custody log records the change."""
    found = _item(opened, item_id)
    form = forms.LinkForm(request.POST, incidents=opened.box.incidents())
    if not form.is_valid():
        return _item_page(request, opened, found, form, status=400)
    try:
        opened.box.link_item(found.id, form.cleaned_data["incident"] or None)
    except Under18Error:
        return _item_page(request, opened, found, form, "under-18", status=400)
    return redirect("evidence:item", found.id)


def _item_page(
    request: HttpRequest,
    opened: OpenLocker,
    found: EvidenceItem,
    form: forms.LinkForm,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    incident = _incident(opened, found.incident) if found.incident else None
    message = ""
    if found.kind == "message":
        message = b"".join(opened.box.read(found.id)).decode("utf-8", "replace")
    context = {
        "item": found,
        "incident": incident,
        "message": message,
        "previewable": _previewable(found),
        "too_large_to_show": _too_large_to_show(found),
        "show": request.GET.get("show") == "1",
        "refresh": True,
        "form": form,
        "problem": problem,
        "parts": _parts(opened, found),
    }
    return render(request, "evidence/item.html", context, status=status)


def _parts(opened: OpenLocker, found: EvidenceItem) -> list[EvidenceItem]:
    """Return the other files of the same capture as ``found`` (none for other items)."""
    delivery = found.details.get("delivery")
    if found.kind != "capture" or not delivery:
        return []
    return [i for i in opened.box.items() if i.details.get("delivery") == delivery]


PREVIEW_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")


def _previewable(found: EvidenceItem) -> bool:
    # Pictures whose size could not be read are not shown: they may be damaged or hostile.
    # Nor are those too large to check: showing one would have the browser decode it all.
    readable = found.details.get("readable") != "no"
    return found.media_type in PREVIEW_TYPES and readable and not _too_large_to_show(found)


def _too_large_to_show(found: EvidenceItem) -> bool:
    """Return whether a picture is larger than the locker checks (kept, never shown)."""
    try:
        pixels = int(found.details.get("width", 0)) * int(found.details.get("height", 0))
    except ValueError:
        return False
    return pixels > MAX_CHECKED_PIXELS


@require_GET
@needs_open_locker
def item_file(request: HttpRequest, opened: OpenLocker, item_id: str) -> HttpResponseBase:
    """Send an item's original bytes: shown inline only if it is a picture, else downloaded."""
    found = _item(opened, item_id)
    if found.damaged:  # its bytes cannot be read back; the item page still says what is known
        raise Http404("this item is damaged")
    inline = _previewable(found) and request.GET.get("download") != "1"
    response = StreamingHttpResponse(
        opened.box.read(found.id),
        content_type=found.media_type if inline else "application/octet-stream",
    )
    response["Content-Length"] = str(found.size)
    response["Content-Disposition"] = content_disposition_header(not inline, found.name) or ""
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


@require_http_methods(["GET", "POST"])
@needs_open_locker
def item_delete(request: HttpRequest, opened: OpenLocker, item_id: str) -> HttpResponse:
    """Delete an item for good; the custody log keeps a tombstone with its digests."""
    found = _item(opened, item_id)
    form = forms.DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        opened.box.delete(found.id, form.cleaned_data["reason"])
        return redirect("evidence:overview")
    return render(request, "evidence/item_delete.html", {"item": found, "form": form})


def _item(opened: OpenLocker, item_id: str) -> EvidenceItem:
    try:
        return opened.box.item(item_id)
    except NotFoundError:
        raise Http404("no such item") from None


# Packs -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@needs_open_locker
def export(request: HttpRequest, opened: OpenLocker) -> HttpResponseBase:
    """Write an evidence pack of all or part of the case and hand it over as one file."""
    form = forms.ExportForm(request.POST or None, incidents=opened.box.incidents())
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            return packs.download(opened.box, form.cleaned_data)
        except ReclaimError as error:
            problem = messages.pack_problem(error)
    context = {
        "form": form,
        "problem": problem,
        "authorities": settings.TIMESTAMP_AUTHORITIES,
        "spoken_key": opened.box.spoken_key_fingerprint(),
    }
    status = 400 if problem else _status(form)
    return render(request, "evidence/export.html", context, status=status)
