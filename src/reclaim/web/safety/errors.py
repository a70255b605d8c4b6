"""Error pages: every one in the page's language, with the exit button, never a bare status.

Django's own error views render without the request's context (so without the language,
its direction or the exit link); these render the site's error page instead. A page that
fails to render falls back to a small page of its own that still has the exit link. Under
/api/ (for programs) every error is application/problem+json instead, never a page.
"""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from reclaim.languages import language

TEMPLATE = "safety/error.html"
# What a person reads: a plain heading and what they can do next.
NOT_OPENED = _("This page could not be opened")
GO_BACK = _("Something in the address or the form could not be read. Go back and try again.")
MESSAGES = {
    400: (NOT_OPENED, GO_BACK),
    403: (NOT_OPENED, GO_BACK),
    404: (
        _("Page not found"),
        _("There is no page at this address. It may have moved."),
    ),
    405: (NOT_OPENED, GO_BACK),
    413: (
        _("This was too large to send"),
        _(
            "What you sent is larger than this page takes, so none of it was read or kept. "
            "Go back and send a smaller file or a shorter text."
        ),
    ),
    500: (
        _("Something went wrong on our side"),
        _("It is not your fault. Nothing you saved is lost. Try again in a moment."),
    ),
}
BARE_STATUSES = frozenset(MESSAGES)
API_PREFIX = "/api/"
# The API's own answers (reclaim.web.protection.api) are in English, for the platform's engineers.
API_TITLES = {
    400: "The request could not be read",
    403: "This request is not allowed",
    404: "There is nothing at this address",
    405: "Method not allowed",
    500: "Something went wrong on our side",
}


def error_page(request: HttpRequest, status: int) -> HttpResponse:
    """Return the site's error page for this status, in the page's language (or API problem)."""
    if request.path.startswith(API_PREFIX):
        return api_problem(status)
    title, message = MESSAGES.get(status, MESSAGES[400])
    context = {"title": title, "message": message, "status": status}
    html: str
    try:
        html = render_to_string(TEMPLATE, context, request=request)
    except Exception:  # the error page must answer even when the site's templates cannot
        html = _plain_page(str(title), str(message))
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def api_problem(status: int) -> HttpResponse:
    """Return an RFC 9457 problem for an error the API's own views did not answer."""
    body = {
        "type": "about:blank",
        "title": API_TITLES.get(status, API_TITLES[400]),
        "status": status,
    }
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def _plain_page(title: str, message: str) -> str:
    try:
        current = language(get_language() or "en")
    except KeyError:
        current = language("en")
    return (
        f'<!doctype html><html lang="{current.code}" dir="{current.direction}"><head>'
        f'<meta charset="utf-8"><title>{escape(title)} – Reclaim</title></head><body>'
        f'<p><a class="exit-button" href="{reverse("exit")}" rel="nofollow noreferrer">'
        f"{escape(gettext('Exit this page'))}</a></p><h1>{escape(title)}</h1>"
        f"<p>{escape(message)}</p></body></html>"
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400."""
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler403."""
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404."""
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500."""
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page for a form that was refused as not sent from this site (CSRF_FAILURE_VIEW)."""
    return error_page(request, 403)


def bare_errors(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., object]:
    """Return middleware that gives an error response with no body (a 405) the error page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        bare = not response.streaming and not response.content
        if bare and response.status_code in BARE_STATUSES and not request.path.startswith("/api/"):
            page = error_page(request, response.status_code)
            if "Allow" in response:
                page["Allow"] = response["Allow"]  # a 405 still says which methods work
            return page
        return response

    return middleware
