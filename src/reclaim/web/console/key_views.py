"""Security keys (WebAuthn): the member's own sign-in page, adding and removing keys, and
signing in with one. The browser's part is static/console/keys.js; these answer its requests
in JSON. Signing in with the app's code (the sign-in page's form) needs no script at all.
"""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclaim.web.console import securitykeys
from reclaim.web.console.access import mark_seen, member_of, member_required, service_only
from reclaim.web.console.forms import KeyAddForm, KeySignInForm
from reclaim.web.console.models import SecurityKey
from reclaim.web.console.views import render_page


@member_required
@require_GET
def account_page(request: HttpRequest) -> HttpResponse:
    """The member's own ways of signing in: their app and their security keys."""
    member = member_of(request)
    context = {
        "apps": TOTPDevice.objects.filter(user_id=member.user_id, confirmed=True),
        "keys": SecurityKey.objects.filter(member=member).order_by("created_at"),
        "form": KeyAddForm(),
    }
    return render_page(request, "console/account.html", context)


@member_required
@require_POST
def key_options(request: HttpRequest) -> HttpResponse:
    form = KeyAddForm(request.POST)
    if not form.is_valid():
        return _error("Type your password.")
    password = form.cleaned_data["password"]
    try:
        options = securitykeys.registration_options(request, member_of(request), password)
    except securitykeys.SecurityKeyError as error:
        return _error(str(error))
    return HttpResponse(options, content_type="application/json")


@member_required
@require_POST
def key_add(request: HttpRequest) -> HttpResponse:
    answer, name = request.POST.get("credential", ""), request.POST.get("name", "")
    try:
        securitykeys.register(request, member_of(request), answer, name)
    except securitykeys.SecurityKeyError as error:
        return _error(str(error))
    return JsonResponse({"next": reverse("console:account")})


@member_required
@require_POST
def key_remove(request: HttpRequest, key: int) -> HttpResponse:
    try:
        securitykeys.remove(member_of(request), key)
    except securitykeys.SecurityKeyError:
        return HttpResponse(status=404)
    return HttpResponseRedirect(reverse("console:account"))


@service_only
@never_cache
@require_POST
def sign_in_options(request: HttpRequest) -> HttpResponse:
    form = KeySignInForm(request.POST)
    if not form.is_valid():
        return _error("Type your username and password.")
    data = form.cleaned_data
    try:
        options = securitykeys.sign_in_options(request, data["username"], data["password"])
    except securitykeys.SecurityKeyError as error:
        return _error(str(error))
    return HttpResponse(options, content_type="application/json")


@service_only
@never_cache
@require_POST
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    try:
        key = securitykeys.verify_sign_in(request, request.POST.get("credential", ""))
    except securitykeys.SecurityKeyError as error:
        return _error(str(error))
    login(request, securitykeys.user_of(key), backend=settings.AUTHENTICATION_BACKENDS[0])
    otp_login(request, key)
    mark_seen(request)
    target = request.POST.get(REDIRECT_FIELD_NAME, "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=True)
    ok = safe and target.startswith("/console/")
    return JsonResponse({"next": target if ok else reverse("console:queue")})


def _error(message: str) -> HttpResponse:
    return JsonResponse({"error": message}, status=400)
