"""Who is at the console: a verified, active staff member, within the idle time.

``member_required`` wraps every console page but the sign-in: outside service mode the page
does not exist (404); otherwise the person must be signed in, verified by a confirmed TOTP
device this session (django-otp), an active member of a helpline, and have opened a console
page within STAFF_IDLE_SECONDS, or they are signed out and sent to the sign-in page. A
member still on the first password someone else gave them reaches only the page that
replaces it. A form sent after the session ended is not carried out; the sign-in page shows
what it held, so what was typed is not lost without a word (nothing of it is kept on the
server).
"""

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from reclaim.web.console.forms import SignInForm
from reclaim.web.console.models import Draft, StaffMember

View = Callable[..., HttpResponse]
SEEN = "console_seen"  # the session key: when this session last opened a console page
MEMBER = "console_member"  # the request attribute the decorator sets
PASSWORD_PAGE = "password"  # noqa: S105  # a URL name: the one page a member on a first password reaches
# The idle clock is moved on at most this often: each move is a write of the session row, and
# a page a second would otherwise write one each. A session may end this much early.
SEEN_EVERY_SECONDS = 30


def service_only(view: View) -> View:
    """Wrap a view so that it answers 404 outside service mode."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SERVICE:
            raise Http404("the console runs in service mode")
        return view(request, *args, **kwargs)

    return wrapper


def active_member(user: Any) -> StaffMember | None:
    """Return the user's active staff membership, verified this session, or None."""
    verified = getattr(user, "is_verified", None)
    if not (user.is_authenticated and user.is_active and verified is not None and verified()):
        return None
    member = StaffMember.objects.select_related("helpline", "user").filter(user=user).first()
    return member if member is not None and member.active else None


def member_required(view: View) -> View:
    """Wrap a console page: only an active, verified member within the idle time reaches it."""

    @service_only
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = active_member(request.user)
        now = time.time()
        idle = now - float(request.session.get(SEEN, 0))
        if member is None or idle > settings.STAFF_IDLE_SECONDS:
            if request.user.is_authenticated:
                # Drafts go with the session (reclaim.web.console.drafts), as at sign-out.
                Draft.objects.filter(member__user_id=request.user.pk).delete()
                logout(request)  # the session ends: a later page cannot pick it up again
            if request.method == "POST":
                return _sign_in_again(request)
            return redirect_to_login(request.get_full_path(), reverse("console:sign-in"))
        if idle >= SEEN_EVERY_SECONDS:
            request.session[SEEN] = now
        setattr(request, MEMBER, member)
        page = request.resolver_match.url_name if request.resolver_match else None
        if member.must_change_password and page != PASSWORD_PAGE:
            return HttpResponseRedirect(reverse(f"console:{PASSWORD_PAGE}"))
        return view(request, *args, **kwargs)

    return wrapper


# Fields of console forms that are not words a person typed (or must not be shown again).
NOT_TYPED = frozenset({"csrfmiddlewaretoken", "password", "otp_token", "next", "task", "done"})


def _sign_in_again(request: HttpRequest) -> HttpResponse:
    """Answer a form sent after the session ended: the sign-in page, with what the form held."""
    typed = [
        value.strip()
        for name, values in request.POST.lists()
        if name not in NOT_TYPED
        for value in values
        if value.strip()
    ]
    context = {
        "form": SignInForm(request),
        "next": request.get_full_path(),
        "unsent": "\n\n".join(typed),
        "idle_minutes": settings.STAFF_IDLE_SECONDS // 60,
    }
    return render(request, "console/sign_in.html", context, status=401)


def member_of(request: HttpRequest) -> StaffMember:
    """Return the member ``member_required`` found for this request."""
    member = getattr(request, MEMBER, None)
    if not isinstance(member, StaffMember):
        raise RuntimeError("console views are wrapped in member_required")
    return member


def mark_seen(request: HttpRequest) -> None:
    """Start the idle clock of a session that has just signed in."""
    request.session[SEEN] = time.time()
