"""The pages a new member uses before they can sign in: the invitation and the enrolment.

No member is signed in here; the invitation's token (then this browser's session) says who.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console import enrolment
from reclaim.web.console.access import mark_seen, service_only
from reclaim.web.console.forms import EnrolForm
from reclaim.web.console.views import render_page

GONE = 410  # a link that was good once and is no more


@service_only
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A GET only shows a Start button: link previewers must not use the invitation up."""
    try:
        if request.method == "POST":
            enrolment.open_invitation(request, token)
            return HttpResponseRedirect(reverse("console:enrol"))
        found = enrolment.find(token)
    except enrolment.InvitationError as refused:
        return _refused(request, refused)
    context = {"invitation": found, "hours": enrolment.INVITATION_HOURS}
    return render_page(request, "console/invitation_start.html", context)


@service_only
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST if request.method == "POST" else None)
    try:
        invitation, device = enrolment.opened(request)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            member, device = enrolment.complete(request, data["new"], data["code"])
            login(request, member.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            otp_login(request, device)
            mark_seen(request)
            return HttpResponseRedirect(reverse("console:account"))
    except enrolment.InvitationError as refused:
        return _refused(request, refused)
    except enrolment.EnrolError as problem:
        form.add_error(None, str(problem))
    context = {"invitation": invitation, "form": form, **_app(device)}
    status = 400 if form.errors else 200
    return render_page(request, "console/enrol.html", context, status=status)


def _app(device: TOTPDevice) -> dict[str, str]:
    """What the member's authenticator app needs: a QR code, the URI and the key by hand."""
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code"))
    return {"qr_svg": qr, "secret": b32encode(device.bin_key).decode(), "uri": device.config_url}


def _refused(request: HttpRequest, refused: enrolment.InvitationError) -> HttpResponse:
    status = 404 if refused.reason == "unknown" else GONE
    context = {"message": str(refused), "reason": refused.reason}
    return render_page(request, "console/invitation_refused.html", context, status=status)
