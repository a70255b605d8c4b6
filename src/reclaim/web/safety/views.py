"""The exit: end the visit, clear what this site stored, and show a neutral page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reclaim.web.access import session

# Clear-Site-Data asks the browser to forget this origin's cookies, storage and cache.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


@require_GET
def leave(request: HttpRequest) -> HttpResponse:
    """End the session and hand over to the neutral site, clearing this site's data."""
    session.lock(request)  # the session goes, and what this process keeps of the locker too
    request.session.flush()
    response = render(request, "safety/leave.html", {"exit_url": settings.EXIT_URL})
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
