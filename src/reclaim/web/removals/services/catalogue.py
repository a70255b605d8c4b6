"""The platform directory and legal profiles as the removal pages use them."""

import datetime
import functools

from django.conf import settings
from django.utils.translation import get_language

from reclaim.notices import (
    Catalogue,
    Notice,
    NoticeError,
    Platform,
    Profile,
    RemovalRequest,
    Route,
    compose,
    deadline,
    load_catalogue,
)


@functools.cache
def catalogue() -> Catalogue:
    """Return the platform directory and legal profiles (content/removals), read once."""
    return load_catalogue(settings.CONTENT_DIR)


def shown_catalogue() -> Catalogue:
    """Return the catalogue with the words a person reads in the active language."""
    return catalogue().in_language(get_language() or "en")


def parts_of(
    request: RemovalRequest, books: Catalogue | None = None
) -> tuple[Platform | None, Route, Profile]:
    """Return the request's platform (or None), route and profile from ``books`` (by default
    the original catalogue, which requests are written from)."""
    books = books or catalogue()
    profile = books.profiles.get(request.profile_id)
    platform = books.directory.get(request.platform_id) if request.platform_id else None
    if platform is not None and 0 <= request.route_index < len(platform.routes):
        return platform, platform.routes[request.route_index], profile
    # A site the directory does not know, or knows no route for: its own abuse address.
    return platform, Route("email", "abuse", address=request.recipient), profile


def notice_for(request: RemovalRequest) -> Notice:
    """Return the request in words; raise NoticeError if it is not complete."""
    platform, route, profile = parts_of(request)
    if not route.target:
        raise NoticeError("there is no address to send this request to yet")
    return compose(request.facts, platform, route, profile)


def form_pack(request: RemovalRequest) -> tuple[tuple[str, str], ...]:
    """Return the request's parts to copy into a form: each label in the active language,
    each value as the request says it (in English, as it goes to the platform).

    Raises NoticeError if the request is not complete.
    """
    platform, route, profile = parts_of(request, shown_catalogue())
    return compose(request.facts, platform, route, profile).fields


def due(request: RemovalRequest) -> datetime.datetime | None:
    """Return when the platform's (or the follow-up) time runs out for this request."""
    platform, _, profile = parts_of(request)
    review = platform.review_hours if platform else None
    return deadline(request, profile.deadline_hours, review)
