"""Request bodies: refused by their declared size, page by page, before a byte of them is read.

`reclaim serve` (reclaim.web.server) calls the site as soon as a request's headers are in, so
this check runs before anything has read or kept the body. Every page takes at most
``FORM_MAX_BYTES`` (an ordinary form, with room to spare), unless its view says otherwise with
``accepts_body``, which can also say who may send more (an upload only from a person whose
locker is open). Anything larger is answered 413 with the site's error page (problem+json under
/api/), and the server closes the connection without reading the rest.

A chunked body has no declared size: the server reads it first, within a small cap, and passes
its length on (reclaim.web.server), so it is judged here like any other.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from reclaim.web.safety.errors import error_page

# The longest ordinary form (an incident: a summary of 2,000 characters and three lists) fits
# several times over, even in a script whose letters take 6 bytes once form-encoded.
FORM_MAX_BYTES = 64 * 1024
BODY_LIMIT = "body_limit"  # the attribute accepts_body sets on a view
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class BodyLimit:
    """The largest body a page takes, and who may send that much (anyone if ``allowed`` is None)."""

    max_bytes: int | Callable[[], int]
    allowed: Callable[[HttpRequest], bool] | None = None

    def for_request(self, request: HttpRequest) -> int:
        """Return the largest body this request may send."""
        if self.allowed is not None and not self.allowed(request):
            return FORM_MAX_BYTES
        return self.max_bytes() if callable(self.max_bytes) else self.max_bytes


def accepts_body(
    max_bytes: int | Callable[[], int], allowed: Callable[[HttpRequest], bool] | None = None
) -> Callable[[View], View]:
    """Return a decorator letting a view take bodies up to ``max_bytes`` (from ``allowed``)."""

    def decorate(view: View) -> View:
        setattr(view, BODY_LIMIT, BodyLimit(max_bytes, allowed))
        return view

    return decorate


def body_limits(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., object]:
    """Return middleware that refuses a body larger than its page takes, before it is read."""

    def middleware(request: HttpRequest) -> HttpResponse:
        declared = declared_bytes(request)
        if declared > FORM_MAX_BYTES:
            limit = page_limit(request)
            if declared > limit:
                return too_large(request, limit)
        return get_response(request)

    return middleware


def declared_bytes(request: HttpRequest) -> int:
    """Return the body's declared length (0 if none, as Django reads it)."""
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def page_limit(request: HttpRequest) -> int:
    """Return the largest body the page at this address takes from this request."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return FORM_MAX_BYTES
    limit = getattr(view, BODY_LIMIT, None)
    return limit.for_request(request) if isinstance(limit, BodyLimit) else FORM_MAX_BYTES


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """Return the 413 answer: the error page, or problem+json for the API."""
    if request.path.startswith("/api/"):
        body = {
            "type": "about:blank",
            "title": "Request too large",
            "status": 413,
            "detail": f"Send at most {limit} bytes.",
        }
        return HttpResponse(json.dumps(body), status=413, content_type="application/problem+json")
    # The server closes the connection after a 413: the body it declared is never read.
    return error_page(request, 413)
