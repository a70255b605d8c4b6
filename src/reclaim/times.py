"""Times as a person lives them: typed in their time zone, kept as an instant with its offset.

A time typed as 21:15 means 21:15 where the person is. It is stored as ISO 8601 with the
offset of that place at that moment ("2026-12-01T21:15:00-05:00") and, beside it, the zone's
name ("America/New_York"), so the instant is exact and the wall-clock time is kept. Older
records carry no zone: their times were taken as UTC, and are shown so, labelled UTC.
"""

import datetime
import os
import zoneinfo

from reclaim.errors import ReclaimError

DEFAULT_ZONE = "Europe/London"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class TimeZoneError(ReclaimError):
    """A time zone name that is not in the zone database."""


def default_zone() -> str:
    """Return the zone name times are typed in when the person has not said: the setting."""
    return os.environ.get("RECLAIM_TIME_ZONE", "").strip() or DEFAULT_ZONE


def zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the time zone called ``name``, or raise TimeZoneError saying it is unknown."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise TimeZoneError(f"{name!r} is not a time zone such as Europe/London") from None


def typed_instant(wall_clock: datetime.datetime, zone_name: str) -> datetime.datetime:
    """Return the instant a wall-clock time typed in zone ``zone_name`` stands for."""
    return wall_clock.replace(tzinfo=zone(zone_name))


def stamp(moment: datetime.datetime) -> str:
    """Return an aware time as stored: ISO 8601 to the second, with its UTC offset."""
    return moment.isoformat(timespec="seconds")


def parse(text: str) -> datetime.datetime | datetime.date | None:
    """Return a stored ISO date or time; a time with no offset is UTC, as older records were.

    Returns None for text that is neither (such as "" for "not known").
    """
    text = text.strip()
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(text) == 10:
        return moment.date()
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def offset_words(moment: datetime.datetime) -> str:
    """Return an aware time's offset from UTC as people read it: "UTC-05:00"."""
    minutes = int((moment.utcoffset() or datetime.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def in_zone(moment: datetime.datetime, zone_name: str = "") -> datetime.datetime:
    """Return ``moment`` in zone ``zone_name``; with no zone, in the offset it was stored with."""
    return moment.astimezone(zone(zone_name)) if zone_name else moment


def english(text: str, zone_name: str = "") -> str:
    """Return a stored date or time in English for a report: "1 December 2026, 21:15 (UTC+00:00)".

    A time is shown in ``zone_name`` if given (else in its own offset), with its offset and
    the zone's name; text that is not a date or time is returned as it is.
    """
    moment = parse(text)
    if moment is None:
        return text
    if not isinstance(moment, datetime.datetime):
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    local = in_zone(moment, zone_name)
    clock = local.strftime("%H:%M:%S" if local.second else "%H:%M")
    place = f", {zone_name}" if zone_name else ""
    day = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    return f"{day}, {clock} ({offset_words(local)}{place})"
