"""Referral pages and the referral API: parse, call the service (referrals.py), answer.

The API lives under each helpline's address, /helplines/<slug>/api/v1/referrals, as the core
defines it (reclaim.referrals): JSON answers, errors as {"error": code, "detail": words}. It
answers only in service mode. Bodies are bounded by their declared size before a byte is read,
and read into memory (they are ciphertext; nothing is written to disk).
"""

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY

from reclaim.referrals import MAX_REFERRAL_BYTES, MEDIA_TYPE
from reclaim.web.access import limits
from reclaim.web.console import referrals
from reclaim.web.console.access import member_required
from reclaim.web.console.cases import open_page
from reclaim.web.console.models import Helpline
from reclaim.web.console.permissions import Action
from reclaim.web.console.views import render_page
from reclaim.web.safety.bodies import accepts_body

REFERRALS_PER_HOUR = 60  # new referrals from one client address
READ_BYTES = 1024 * 1024
FILE_FORM_BYTES = 64 * 1024  # the import form around the file


class ReferralFileForm(forms.Form):
    """A referral file carried by other means (a USB stick, an email attachment)."""

    file = forms.FileField(label=_("Referral file (.reclaim-referral)"))


def _error(code: str, status: int, detail: str) -> HttpResponse:
    response = JsonResponse({"error": code, "detail": detail}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _answer(value: dict[str, Any], status: int = 200) -> HttpResponse:
    response = JsonResponse(value, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API view: service mode, the helpline by its slug, refusals as JSON."""

    @csrf_exempt  # no cookies: the body or a consent token authenticates each call
    @functools.wraps(view)
    def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
        if not settings.SERVICE:
            raise Http404("referrals are taken in service mode")
        line = Helpline.objects.filter(slug=slug).first()
        if line is None:
            return _error("unknown-helpline", 404, "No helpline has this address here.")
        try:
            return view(request, line, **kwargs)
        except referrals.RefusedError as refused:
            return _error(refused.code, refused.status, refused.detail)

    return wrapper


# The server refuses unread what is past the core's bound; the view refuses, as JSON and
# before reading, what is past this deployment's (RECLAIM_MAX_REFERRAL_MB).
@accepts_body(MAX_REFERRAL_BYTES)
@_api
def receive(request: HttpRequest, line: Helpline) -> HttpResponse:
    if request.method != "POST":
        return _error("method-not-allowed", 405, "Send a referral with POST.")
    if request.content_type != MEDIA_TYPE:
        return _error("not-a-referral", 415, f"Send Content-Type: {MEDIA_TYPE}.")
    if not limits.allow(request, "referral", REFERRALS_PER_HOUR):
        return _error("too-many", 429, f"Try again in {limits.wait_minutes()} minutes.")
    data = _body(request)
    received = referrals.receive(line, data, "referral")
    status = 201 if received.created else 200
    value = {"id": received.referral.referral_id}
    return _answer(
        {**value, "received_utc": referrals.stamp(received.referral.received_at)}, status
    )


def _body(request: HttpRequest) -> bytes:
    """Return the body, read into memory within RECLAIM_MAX_REFERRAL_MB; refuse it unread."""
    limit = int(settings.MAX_REFERRAL_BYTES)
    length = str(request.META.get("CONTENT_LENGTH") or "")
    if not (length.isascii() and length.isdigit()):
        raise referrals.RefusedError("not-a-referral", 411, "Send a Content-Length.")
    if int(length) > limit:
        raise referrals.RefusedError("too-large", 413, f"Send at most {limit} bytes.")
    parts, size = [], 0
    while piece := request.read(READ_BYTES):
        parts.append(piece)
        size += len(piece)
        if size > limit:
            raise referrals.RefusedError("too-large", 413, f"Send at most {limit} bytes.")
    return b"".join(parts)


@_api
def withdraw(request: HttpRequest, line: Helpline, referral_id: str) -> HttpResponse:
    if request.method != "POST":
        return _error("method-not-allowed", 405, "Withdraw with POST.")
    found = referrals.withdraw(line, referral_id, _bearer(request))
    assert found.withdrawn_at is not None
    return _answer({"id": found.referral_id, "withdrawn_utc": referrals.stamp(found.withdrawn_at)})


@_api
def openings(request: HttpRequest, line: Helpline, referral_id: str) -> HttpResponse:
    if request.method != "GET":
        return _error("method-not-allowed", 405, "Read openings with GET.")
    found, seen = referrals.openings(line, referral_id, _bearer(request))
    withdrawn = referrals.stamp(found.withdrawn_at) if found.withdrawn_at else None
    return _answer({"id": found.referral_id, "withdrawn_utc": withdrawn, "openings": seen})


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# Console pages ---------------------------------------------------------------------------


def _member_may_send(request: HttpRequest) -> bool:
    """Return whether a signed-in, verified staff session sends the body.

    This runs before the body and before the user is read (safety/bodies.py): it looks at the
    session alone; member_required checks the member in full before the body is read.
    """
    return bool(request.session.get(SESSION_KEY) and request.session.get(DEVICE_ID_SESSION_KEY))


def _file_bytes() -> int:
    return int(settings.MAX_REFERRAL_BYTES) + FILE_FORM_BYTES


@member_required
@accepts_body(_file_bytes, allowed=_member_may_send)
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        open_page(request, Action.EDIT_CASE, {"page": "import referral"})
        return render_page(request, "console/referral_import.html", {"form": ReferralFileForm()})
    form = ReferralFileForm(request.POST, request.FILES)
    if getattr(request, "upload_too_large", False):
        form.add_error(None, TOO_LARGE)
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > int(settings.MAX_REFERRAL_BYTES):
            form.add_error("file", TOO_LARGE)
            return render_page(request, "console/referral_import.html", {"form": form}, status=400)
        try:
            case = referrals.import_file(request, upload.read())
        except referrals.RefusedError as refused:
            form.add_error("file", IMPORT_REFUSALS.get(refused.code, refused.detail))
        else:
            return HttpResponseRedirect(reverse("console:case", args=[case.number]))
    return render_page(request, "console/referral_import.html", {"form": form}, status=400)


TOO_LARGE = _("This file is larger than this helpline takes (RECLAIM_MAX_REFERRAL_MB).")
IMPORT_REFUSALS = {
    "not-a-referral": _(
        "This is not a Reclaim referral file (.reclaim-referral), or it is damaged."
    ),
    "wrong-key": _("This referral was made for another helpline: its key does not open it."),
    "tampered": _("This file was changed after the survivor made it; it cannot be trusted."),
    "expired": _("The time the survivor chose to share this for has passed."),
    "withdrawn": _("The survivor withdrew consent for this referral."),
}


@member_required
@require_GET
def shared_page(request: HttpRequest, number: str) -> HttpResponse:
    shown = referrals.shared(request, number)
    if shown.state == "withdrawn":
        context = {"shown": shown, "case": shown.case}
        return render_page(request, "console/referral_shared.html", context, status=410)
    return render_page(
        request, "console/referral_shared.html", {"shown": shown, "case": shown.case}
    )


@member_required
@require_GET
def picture(request: HttpRequest, number: str, item: str) -> HttpResponse:
    data, _clear = referrals.picture(request, number, item)
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@member_required
@require_POST
def reveal(request: HttpRequest, number: str, item: str) -> HttpResponse:
    try:
        referrals.reveal(request, number, item)
    except referrals.RevealLimitError:
        url = reverse("console:referral-shared", args=[number]) + "?limit=1"
        return HttpResponseRedirect(url)
    return HttpResponseRedirect(reverse("console:referral-shared", args=[number]) + f"#{item}")
