"""Incidents: what happened, when, where and who, on the case's timeline."""

import datetime
from dataclasses import dataclass, field

from reclaim.content import under_18_listing
from reclaim.errors import ReclaimError

INCIDENT_KINDS = ("shared", "threatened", "extortion", "fake-image", "other")


class IncidentError(ReclaimError):
    """An incident is missing something it needs, or names something that is not allowed."""


class Under18Error(IncidentError):
    """Media offered for an incident where someone was under 18 in the image."""

    def __init__(self) -> None:
        super().__init__(
            "No pictures, videos or page captures are kept when someone was under 18 in the "
            "image: keeping a copy can itself be an offence. Record the web addresses, usernames "
            "and the words of messages instead, and report the image to the police or to a "
            f"service made for this: {under_18_listing()}."
        )


@dataclass(frozen=True)
class Incident:
    """Something that happened: content shared, a threat, a demand, a fake image."""

    kind: str
    summary: str
    happened_on: str = ""
    discovered_on: str = ""
    platform: str = ""
    urls: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()
    under_18: bool = False
    id: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def check(self) -> None:
        """Raise IncidentError unless the incident can be stored."""
        if self.kind not in INCIDENT_KINDS:
            raise IncidentError(f"kind must be one of {', '.join(INCIDENT_KINDS)}")
        if not self.summary.strip():
            raise IncidentError("say in a few words what happened")
        for value in (self.happened_on, self.discovered_on):
            if value:
                _check_date(value)
                check_not_future(value, "That date is in the future")
        if self.discovered_on and self.happened_on[:10] > self.discovered_on[:10]:
            raise IncidentError(
                "It cannot have happened after you found out about it: check the two dates"
            )
        for url in self.urls:
            if not url.startswith(("https://", "http://")):
                raise IncidentError(f"{url!r} is not a web address")


def _check_date(value: str) -> None:
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        raise IncidentError(
            f"{value!r} is not a date such as 2026-11-23 or 2026-11-23T21:30"
        ) from None


def latest_today() -> datetime.date:
    """Return the latest date it is now anywhere on Earth (UTC+14): no date can be later."""
    return (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=14)).date()


def check_not_future(value: str, problem: str) -> None:
    """Raise IncidentError saying ``problem`` if the ISO date or time ``value`` is to come."""
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        return  # not a date at all: the caller's format check says so
    if day > latest_today():
        raise IncidentError(f"{problem} ({value[:10]}): give the date it was, or leave it out")
