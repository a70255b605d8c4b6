"""Template filter that shows a stored date or time in the page's language, with its offset."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reclaim import times
from reclaim.web.zones import zone_names

register = template.Library()

# "E" is the month as it stands in a date (Polish "1 grudnia"); the same as "F" in English.
DATE_LAYOUT = "j E Y"
TIME_LAYOUT = "H:i"


@register.filter
def when(value: str | datetime.datetime | None, zone_name: str | None = None) -> SafeString | str:
    """Return a stored date or time for the page: "1 December 2026, 21:15 (UTC-05:00)".

    A time is shown in the person's zone; given ``zone_name`` (a record's own zone), in that
    zone, and given "" (a record that names no zone), in the offset it was stored with: UTC
    for older records. Text that is not a date or time is returned as it is.
    """
    moment = value if isinstance(value, datetime.datetime) else times.parse(value or "")
    if moment is None:
        return str(value) if value else ""
    if not isinstance(moment, datetime.datetime):
        return format_html('<time datetime="{}">{}</time>', moment.isoformat(), _day(moment))
    if zone_name is None:
        local = timezone.localtime(moment)
    else:
        local = times.in_zone(moment, zone_name if zone_name in zone_names() else "")
    # Translators put their own comma ("،" in Arabic and Urdu) between the date and the time.
    words = _("%(date)s, %(time)s") % {
        "date": _day(local),
        "time": date_format(local, TIME_LAYOUT),
    }
    return format_html(
        '<time datetime="{}">{} <span dir="ltr">({})</span></time>',
        times.stamp(moment),
        words,
        times.offset_words(local),
    )


def _day(day: datetime.date) -> str:
    return date_format(day, DATE_LAYOUT)


@register.filter
def sent_when(details: dict[str, str]) -> SafeString | str:
    """Return when a message was sent, in the zone it was typed in (UTC in older records)."""
    return when(details.get("sent_at", ""), details.get("time_zone", ""))
