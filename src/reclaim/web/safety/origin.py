"""Forms are accepted only from this site, judged by what the browser says, with no cookie.

Django's CSRF check needs a ``csrftoken`` cookie, set by every page with a form, before the
person has done anything. Reclaim promises no cookie until a locker is set up or opened, so
it checks where a form comes from the way Go's ``CrossOriginProtection`` does:

1. ``Sec-Fetch-Site``, which every current browser sends and a page cannot forge: a form is
   accepted only when it says ``same-origin`` (or ``none``: typed by the person).
2. Browsers too old to send it send ``Origin``; it must be this site's own origin.
3. A form that says neither where it comes from is refused: browsers send one or the other on
   every form, and a tool that sends neither (curl) is not a browser an attack could borrow.

A token tied to a cookie would add nothing: the cookie would be ``SameSite=Strict``, so on a
cross-site form it is missing and only the browser's word is left, as here. The templates'
``{% csrf_token %}`` fields are inert now (no cookie is set, nothing reads them); the admin
(staff only) keeps Django's own check through its ``csrf_protect``.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from reclaim.web.safety.errors import csrf_failure

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
ACCEPTED_SITES = frozenset({"same-origin", "none"})


def comes_from_this_site(request: HttpRequest) -> bool:
    """Return whether the browser says this request was made by this site's own pages."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ACCEPTED_SITES
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


class SameOriginForms:
    """Middleware: refuse a form (any unsafe method) that another site made the browser send."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: object, kwargs: object
    ) -> HttpResponse | None:
        """Return the refusal page for a cross-site form; None lets the view answer."""
        if request.method in SAFE_METHODS or getattr(view, "csrf_exempt", False):
            return None
        if getattr(request, "_dont_enforce_csrf_checks", False):
            return None  # Django's test client, as Django's own check allows
        if comes_from_this_site(request):
            return None
        return csrf_failure(request, "not sent from this site")
