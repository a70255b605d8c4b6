"""The person's time zone: asked on forms with a time, remembered while the locker is open.

The browser's zone is filled in by script (evidence/time_zone.js) and shown on the form for
the person to confirm or change; without script the field is a list of zones, starting on
the site's setting (RECLAIM_TIME_ZONE, Europe/London by default). Pages show times in the
zone last confirmed, or the setting's.
"""

import datetime
import zoneinfo
from collections.abc import Callable
from functools import cache

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclaim import times

SESSION_KEY = "time_zone"


@cache
def zone_names() -> tuple[str, ...]:
    """Return the zones a person can choose: the database's, without its old aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")
    names = (n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(legacy))
    return tuple(sorted({*names, "UTC"}))


class ZoneField(forms.ChoiceField):
    """A choice of time zone; none sent (an older page, a script) means the zone in use."""

    def clean(self, value: object) -> str:
        """Return the zone chosen, or the zone in use if none was sent."""
        return str(super().clean(value)) or timezone.get_current_timezone_name()


def zone_field() -> ZoneField:
    """Return the form field for the zone the times on a form were typed in."""
    return ZoneField(
        required=False,
        error_messages={"invalid_choice": _("Choose the time zone you were in from the list.")},
        label=_("Time zone"),
        help_text=_("The time you gave above is read as the time in this zone."),
        choices=[(name, name.replace("_", " ")) for name in zone_names()],
        widget=forms.Select(
            attrs={
                "data-time-zone": "",
                "data-summary": _("Times on this page are in the time zone of this device: %s."),
                "data-change": _("Change"),
            }
        ),
    )


def start_zone(form: forms.Form) -> None:
    """Start ``form``'s zone field on the zone in use, and mark a zone the person chose."""
    field = form.fields["time_zone"]
    field.initial = timezone.get_current_timezone_name()
    if form.is_bound:  # the person's choice stands: the script must not replace it
        field.widget.attrs["data-chosen"] = ""


def typed_instant(moment: datetime.datetime | None, zone_name: str) -> datetime.datetime | None:
    """Return the instant a time typed in the form stands for, in the zone the person chose.

    Django read the time in the page's zone; the wall-clock time typed is put in ``zone_name``.
    """
    if moment is None:
        return None
    return times.typed_instant(timezone.make_naive(moment), zone_name)


def page_zone(request: HttpRequest) -> str:
    """Return the zone this person's pages show times in: the one confirmed, or the setting's."""
    chosen = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    return chosen if chosen in zone_names() else times.default_zone()


def person_zone(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """Middleware: show times in the person's zone; remember a zone confirmed on a form."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with timezone.override(page_zone(request)):
            response = get_response(request)
        remember_zone(request)
        return response

    return middleware


def remember_zone(request: HttpRequest) -> None:
    """Keep the zone a form confirmed for the pages after it, in the open locker's session."""
    # Only a body the view has read: reading one here would fix its upload handlers too soon.
    if request.method != "POST" or not hasattr(request, "_post"):
        return
    posted = request.POST.get(SESSION_KEY, "")
    # Only in a session that already exists (an open locker): no cookie for this alone.
    if posted in zone_names() and request.session.session_key:
        request.session[SESSION_KEY] = posted
