"""The helplines directory: services by country, with how and when to reach them.

A helpline that runs Reclaim and takes referrals has a ``referrals`` table: its Reclaim address
(https) and its age X25519 public key (``age1...``), to which survivors seal what they share
(reclaim.referrals). Operators add such entries in a directory file of their own, read with
``load_helpline_file``: the same schema and the same checks as the directory.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyrage

from reclaim.content._fields import Table

HELPLINES_FOLDER = "helplines"
DIRECTORY_FILE = "directory.toml"
AUDIENCES = ("adults", "under-18", "young-people", "everyone", "16-plus")
DAY_RANGES: tuple[str, ...] = ("mon-fri", "mon-sat", "sat-sun", "every-day")
DAY_RANGES += ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A full international number, or a short national code such as 999, 101 or 116123.
_DIAL = re.compile(r"\+[1-9][0-9]{6,14}|[0-9]{3,6}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_COUNTRY = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class OpeningHours:
    """When a service answers: a range of days and local opening and closing times."""

    days: str
    opens: str
    closes: str


@dataclass(frozen=True)
class ReferralPoint:
    """Where a helpline that runs Reclaim takes referrals, and the key they are sealed to."""

    address: str  # https://host[:port][/path], no trailing slash: the API is under it
    recipient: str  # the helpline's age X25519 public key, age1...


@dataclass(frozen=True)
class Helpline:
    """A service a person can contact, with the facts to show and where they came from."""

    id: str
    country: str
    area: str
    name: str
    audience: str
    source: str
    last_checked: datetime.date
    verified: bool
    phone: str | None = None
    dial: str | None = None
    email: str | None = None
    website: str | None = None
    hours: tuple[OpeningHours, ...] = ()
    always_open: bool = False
    emergency: bool = False
    referrals: ReferralPoint | None = None
    descriptions: dict[str, str] = field(default_factory=dict, compare=False)
    # A name that describes rather than names ("Police, fire and ambulance"), and the area,
    # in each language that translates them; a service's own name is never translated.
    names: dict[str, str] = field(default_factory=dict, compare=False)
    areas: dict[str, str] = field(default_factory=dict, compare=False)

    def description(self, language: str) -> str:
        """Return what the service does, in ``language``."""
        return self.descriptions[language]

    def name_in(self, language: str) -> str:
        """Return the service's name as shown in ``language``."""
        return self.names.get(language, self.name)

    def area_in(self, language: str) -> str:
        """Return the part of the country it serves, in ``language``."""
        return self.areas.get(language, self.area)


def read_helpline(table: Table) -> Helpline:
    """Return the helpline a ``[[helpline]]`` table describes."""
    helpline = Helpline(
        id=table.text("id"),
        country=table.text("country"),
        area=table.text("area"),
        name=table.text("name"),
        audience=table.text("audience"),
        phone=table.optional_text("phone"),
        dial=table.optional_text("dial"),
        email=table.optional_text("email"),
        website=table.optional_text("website"),
        hours=tuple(_read_hours(hours) for hours in table.tables("hours", required=False)),
        always_open=table.flag("always_open"),
        emergency=table.flag("emergency"),
        source=table.text("source"),
        last_checked=table.date("last_checked"),
        verified=table.flag("verified"),
        referrals=_read_referrals(table.table("referrals")),
    )
    table.done()
    _check(helpline, table)
    return helpline


def load_helpline_file(path: Path) -> tuple[Helpline, ...]:
    """Return the ``[[helpline]]`` entries of a directory file, checked as the directory is.

    For an operator's own file of helplines (those that take referrals, say); their ids must
    be unique. Descriptions come only with the content directory's language files.
    """
    table = Table.read(path)
    helplines = tuple(read_helpline(entry) for entry in table.tables("helpline"))
    table.done()
    ids = [helpline.id for helpline in helplines]
    if len(set(ids)) != len(ids):
        raise table.error("helpline ids must be unique")
    return helplines


def _read_referrals(table: Table | None) -> ReferralPoint | None:
    """Return the ``referrals`` table of an entry, checked, or None when there is none."""
    if table is None:
        return None
    point = ReferralPoint(table.text("address").rstrip("/"), table.text("recipient"))
    table.done()
    parts = urlsplit(point.address)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise table.error("'address' must be an https:// address with a host and no user name")
    if parts.query or parts.fragment:
        raise table.error("'address' must have no ?query or #fragment: the API is under it")
    try:
        pyrage.x25519.Recipient.from_str(point.recipient)
    except pyrage.RecipientError:
        raise table.error("'recipient' must be an age X25519 public key (age1...)") from None
    return point


def _read_hours(table: Table) -> OpeningHours:
    hours = OpeningHours(table.text("days"), table.text("opens"), table.text("closes"))
    table.done()
    if hours.days not in DAY_RANGES:
        raise table.error(f"days must be one of {', '.join(DAY_RANGES)}")
    if not (_TIME.fullmatch(hours.opens) and _TIME.fullmatch(hours.closes)):
        raise table.error("opens and closes are 24-hour times such as 09:30")
    return hours


def _check(helpline: Helpline, table: Table) -> None:
    if not _COUNTRY.fullmatch(helpline.country):
        raise table.error("country is a lower-case two-letter code such as gb")
    if helpline.audience not in AUDIENCES:
        raise table.error(f"audience must be one of {', '.join(AUDIENCES)}")
    if (helpline.phone is None) != (helpline.dial is None):
        raise table.error("phone and dial come together")
    if helpline.dial is not None and not _DIAL.fullmatch(helpline.dial):
        raise table.error("dial must look like +441234567890, or a short code such as 999")
    if not (helpline.phone or helpline.email or helpline.website):
        raise table.error("a helpline needs a phone, an email or a website")
    if helpline.always_open and helpline.hours:
        raise table.error("always_open and hours exclude each other")
    for url in (helpline.website, helpline.source):
        if url is not None and not url.startswith("https://"):
            raise table.error("website and source must start with https://")
