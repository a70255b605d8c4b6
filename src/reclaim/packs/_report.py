"""The pack's readable report: one model, built once, that the HTML and the PDF both render,
so the two can never disagree.

It holds what an officer reads first: what the pack covers, the timeline of incidents with
the exhibits of each, the exhibit table with digests, the details of each web capture and
message, and a summary of the custody log followed by the whole log.

Every time in it is shown in the time zone of the person exporting, with its offset (the
machine-readable files of the pack keep ISO 8601 times).
"""

import datetime
import html
from collections import Counter
from dataclasses import dataclass, field

from reclaim import times
from reclaim.locker import CustodyEntry, Incident

# The words an officer reads for each kind of incident (the locker stores short codes).
KIND_WORDS = {
    "shared": "Images shared",
    "threatened": "Threat to share images",
    "extortion": "Demand for money or more images",
    "fake-image": "Fake or edited image",
    "other": "Other",
}
# Labels for the details recorded with a capture or a message, in the order they are shown;
# any other detail follows under its own name.
DETAIL_LABELS = {
    "url": "Requested address",
    "captured_utc": "Capture started",
    "final_url": "Final address",
    "status": "HTTP status",
    "error_page": "Error page (HTTP 4xx or 5xx)",
    "wacz_public_key": "WACZ signed with key (ECDSA P-256, base64)",
    "server_address": "Server address",
    "title": "Page title",
    "sender": "Sender",
    "sent_at": "Sent at",
}
HIDDEN_DETAILS = {"delivery", "time_zone"}  # the inbox delivery's id: bookkeeping, not evidence;
# the zone a time was typed in: the instant is exact, and shown in the exporter's zone
TIMES = {"captured_utc", "sent_at"}  # stored ISO 8601, shown as dates with their offset


@dataclass(frozen=True)
class Exhibit:
    """One exported item with its exhibit number (initials-number, as its file name starts)."""

    number: str
    file: str
    name: str
    media_type: str
    size: int
    sha256: str
    sha512: str
    item: str
    added_utc: str
    kind: str = "file"
    details: dict[str, str] = field(default_factory=dict)
    incident: str | None = None
    note: str = ""  # what the person typed about the file

    def added(self, zone: str = "") -> str:
        """Return when the exhibit was added to the locker, in ``zone``, with its offset."""
        return times.english(self.added_utc, zone)


@dataclass(frozen=True)
class TimelineEntry:
    """One incident on the timeline and the numbers of its exhibits in this pack."""

    incident: Incident
    exhibits: tuple[str, ...]

    def facts(self, zone: str = "") -> list[tuple[str, str]]:
        """Return the incident's facts as (label, text) pairs, times in ``zone``, then exhibits."""
        numbers = ", ".join(self.exhibits) or "none in this pack"
        return [*incident_facts(self.incident, zone), ("Exhibits", numbers)]


@dataclass(frozen=True)
class DetailsEntry:
    """What was recorded about a capture or a message, once for all the exhibits it covers."""

    exhibits: tuple[str, ...]
    kind: str
    facts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RequestSummary:
    """A removal request, in short: where, to whom, how far it got, for which incident."""

    request: str
    facts: tuple[tuple[str, str], ...]
    incident: str = ""


def request_summary(record: dict[str, object], zone: str = "") -> RequestSummary:
    """Return the summary of one removal request record (as the locker keeps it).

    Its times are shown in ``zone`` ("": in the offset they were stored with).
    """
    events = record.get("events")
    sent = [
        str(e.get("at_utc", ""))
        for e in (events if isinstance(events, list) else [])
        if isinstance(e, dict) and e.get("status") == "submitted"
    ]
    facts = [
        ("Address", str(record.get("url") or "")),
        ("Platform", str(record.get("platform_id") or "")),
        ("Status", str(record.get("status") or "")),
        ("Sent", times.english(sent[-1], zone) if sent else "not sent"),
        ("Platform's reference", str(record.get("ticket") or "")),
        ("Removal confirmed by a re-check", "yes" if record.get("verified") is True else ""),
    ]
    kept = tuple((label, text) for label, text in facts if text)
    return RequestSummary(str(record.get("id", "")), kept, str(record.get("incident_id") or ""))


@dataclass(frozen=True)
class Report:
    """Everything the report says, in the order it says it."""

    title: str
    exported_utc: str
    fingerprint: str
    scope: str
    timeline: tuple[TimelineEntry, ...]
    exhibits: tuple[Exhibit, ...]
    details: tuple[DetailsEntry, ...]
    custody: tuple[CustodyEntry, ...]
    withheld: int = 0  # custody entries about other parts of the case, not in this pack
    requests: tuple[RequestSummary, ...] = ()
    time_zone: str = ""  # the exporter's zone, every time is shown in ("": as stored)

    def when(self, text: str) -> str:
        """Return a stored date or time as the report shows it: in the exporter's zone."""
        return times.english(text, self.time_zone)

    def header(self) -> list[tuple[str, str]]:
        """Return the lines under the title: when exported, what it covers, the signing key.

        A text's first line is the report's own words; what covers may go on with a line
        for each chosen incident's summary, in whatever script the person wrote it.
        """
        return [
            ("Exported", self.when(self.exported_utc)),
            ("Covers", self.scope),
            ("Signing key fingerprint", self.fingerprint),
        ]

    def incident_number(self, incident_id: str | None) -> str:
        """Return "Incident N" for an incident's place on the timeline, or "" if none."""
        for number, entry in enumerate(self.timeline, 1):
            if entry.incident.id == incident_id:
                return f"Incident {number}"
        return ""

    def custody_rows(self) -> list[tuple[str, str, str, str]]:
        """Return the custody log as table rows, naming the exhibit or incident of each item."""
        labels = {row.item: row.number for row in self.exhibits}
        labels |= {e.incident.id: f"Incident {n}" for n, e in enumerate(self.timeline, 1)}
        labels |= {r.request: f"Removal request {n}" for n, r in enumerate(self.requests, 1)}
        return [
            (str(c.seq), self.when(c.at_utc), c.action, _labelled(labels, c.item))
            for c in self.custody
        ]

    def custody_summary(self) -> str:
        """Return the custody log in one sentence: entries, first and last, count per action."""
        if not self.custody:
            return "The custody log is empty."
        counts = ", ".join(f"{a}: {n}" for a, n in Counter(e.action for e in self.custody).items())
        withheld = (
            f" {self.withheld} entries about other parts of the case are withheld from this "
            "pack: each is replaced by its SHA-256, so the chain can still be checked."
            if self.withheld
            else ""
        )
        return (
            f"{len(self.custody)} entries, from {self.when(self.custody[0].at_utc)} to "
            f"{self.when(self.custody[-1].at_utc)}. Entries per action: {counts}.{withheld}"
        )

    def notes(self) -> list[tuple[str, str]]:
        """Return (exhibit number, note) for each exhibit the person wrote a note on."""
        return [(row.number, row.note) for row in self.exhibits if row.note.strip()]


def _labelled(labels: dict[str, str], item: str | None) -> str:
    if item is None:
        return ""
    return f"{labels[item]}: {item}" if item in labels else item


def build_report(
    title: str,
    fingerprint: str,
    scope: str,
    incidents: list[Incident],
    exhibits: list[Exhibit],
    custody: list[CustodyEntry],
    withheld: int = 0,
    requests: list[dict[str, object]] | None = None,
    time_zone: str = "",
) -> Report:
    """Return the report of a pack holding ``exhibits`` (incidents in timeline order).

    ``custody`` are the entries the pack carries; ``withheld`` counts those it does not.
    ``requests`` are the removal request records the pack covers. Times are shown in
    ``time_zone``, the exporter's ("": each in the offset it was stored with).
    """
    ordered = sorted(enumerate(incidents), key=lambda pair: (_when(pair[1]), pair[0]))
    timeline = tuple(
        TimelineEntry(i, tuple(row.number for row in exhibits if row.incident == i.id))
        for _, i in ordered
    )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Report(
        title,
        now,
        fingerprint,
        scope,
        timeline,
        tuple(exhibits),
        _details(exhibits, time_zone),
        tuple(custody),
        withheld,
        tuple(request_summary(record, time_zone) for record in requests or []),
        time_zone,
    )


def _when(incident: Incident) -> tuple[str, str]:
    # Undated incidents go last; the ISO text sorts as the dates do.
    return (incident.happened_on or "9999", incident.discovered_on or "9999")


def _details(exhibits: list[Exhibit], zone: str) -> tuple[DetailsEntry, ...]:
    # The files of one web capture share its details: say them once, for all its exhibits.
    grouped: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
    for row in exhibits:
        if row.kind in ("capture", "message"):
            grouped.setdefault((row.kind, detail_facts(row.details, zone)), []).append(row.number)
    return tuple(
        DetailsEntry(tuple(numbers), kind, facts) for (kind, facts), numbers in grouped.items()
    )


def incident_facts(incident: Incident, zone: str = "") -> list[tuple[str, str]]:
    """Return an incident's facts as (label, text) pairs, times in ``zone``, without empty ones."""
    facts = [
        ("What happened", KIND_WORDS.get(incident.kind, incident.kind)),
        ("Summary", incident.summary),
        ("Happened on", times.english(incident.happened_on, zone)),
        ("Discovered on", times.english(incident.discovered_on, zone)),
        ("Platform", incident.platform),
        ("Web addresses", "\n".join(incident.urls)),
        ("People (usernames, profiles)", "\n".join(incident.people)),
        ("Reports made (tickets, crime reference)", "\n".join(incident.reports)),
        ("Under 18 in the image", "yes: no pictures or captures kept" if incident.under_18 else ""),
    ]
    return [(label, text) for label, text in facts if text]


def detail_facts(details: dict[str, str], zone: str = "") -> tuple[tuple[str, str], ...]:
    """Return recorded details as (label, text) pairs: the known ones first, then the rest.

    Times are shown in ``zone``, the exporter's ("": the zone they were typed in, if the
    record names one, else the offset they were stored with).
    """
    zone = zone or details.get("time_zone", "")
    known = [
        (label, times.english(details[key], zone) if key in TIMES else details[key])
        for key, label in DETAIL_LABELS.items()
        if details.get(key)
    ]
    if details.get("sent_at") == "":  # the person said they do not know when it was sent
        known.append(("Sent at", "not known"))
    others = sorted(
        (key.replace("_", " ").capitalize(), value)
        for key, value in details.items()
        if key not in DETAIL_LABELS and key not in HIDDEN_DETAILS and value
    )
    return (*known, *others)


def render_html(report: Report) -> str:
    """Return the report as one HTML page (user text marked dir="auto" for any script)."""
    header = "<br>".join(f"{_e(label)}: {_lines_html(text)}" for label, text in report.header())
    return "".join(
        [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{_e(report.title)}</title>",
            "<style>table{border-collapse:collapse}td,th{border:1px solid #999;"
            "padding:2px 6px;vertical-align:top;text-align:start}</style></head><body>",
            f'<h1 dir="auto">{_e(report.title)}</h1><p>{header}</p>',
            _timeline_html(report),
            _exhibits_html(report),
            _notes_html(report),
            _details_html(report),
            _requests_html(report),
            _custody_html(report),
            "</body></html>\n",
        ]
    )


def _lines_html(text: str) -> str:
    """Return the report's own first line, then each further line isolated in its direction."""
    first, *others = text.split("\n")
    return "".join([_e(first), *(f'<br><span dir="auto">{_e(line)}</span>' for line in others)])


def _timeline_html(report: Report) -> str:
    if not report.timeline:
        return "<h2>Timeline</h2><p>No incidents are linked to these exhibits.</p>"
    parts = ["<h2>Timeline</h2>"]
    for number, entry in enumerate(report.timeline, 1):
        parts.append(f"<h3>Incident {number}</h3>{_facts_html(entry.facts(report.time_zone))}")
    return "".join(parts)


def _facts_html(facts: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<dt>{_e(label)}</dt><dd dir="auto">{_e(text).replace(chr(10), "<br>")}</dd>'
        for label, text in facts
    )
    return f"<dl>{rows}</dl>"


def _exhibits_html(report: Report) -> str:
    rows = "".join(
        f'<tr><td>{_e(r.number)}</td><td dir="auto">{_e(r.name)}</td><td>{_e(r.kind)}</td>'
        f"<td>{_e(r.media_type)}</td><td>{r.size}</td><td>{_e(r.added(report.time_zone))}</td>"
        f"<td>{_e(report.incident_number(r.incident))}</td><td><code>{_e(r.sha256)}</code>"
        f"<br><small><code>{_e(r.sha512)}</code></small></td></tr>"
        for r in report.exhibits
    )
    return (
        "<h2>Exhibits</h2><table><tr><th>Exhibit</th><th>Name</th><th>Kind</th><th>Type</th>"
        "<th>Bytes</th><th>Added</th><th>Incident</th><th>SHA-256 / SHA-512</th></tr>"
        f"{rows}</table>"
    )


def _notes_html(report: Report) -> str:
    if not report.notes():
        return ""
    rows = "".join(
        f'<tr><td>{_e(number)}</td><td dir="auto">{_e(note).replace(chr(10), "<br>")}</td></tr>'
        for number, note in report.notes()
    )
    return (
        "<h2>Notes on exhibits</h2><p>What the person wrote about each file when keeping it.</p>"
        f"<table><tr><th>Exhibit</th><th>Note</th></tr>{rows}</table>"
    )


def request_rows(report: Report) -> list[tuple[str, str, str]]:
    """Return each removal request as (its number and incident, label, text) rows."""
    rows = []
    for number, summary in enumerate(report.requests, 1):
        heading = " ".join(
            part
            for part in (f"Removal request {number}", report.incident_number(summary.incident))
            if part
        )
        rows += [(heading if n == 0 else "", *fact) for n, fact in enumerate(summary.facts)]
    return rows


def _requests_html(report: Report) -> str:
    if not report.requests:
        return ""
    rows = "".join(
        f'<tr><td>{_e(first)}</td><td>{_e(label)}</td><td dir="auto">{_e(text)}</td></tr>'
        for first, label, text in request_rows(report)
    )
    return (
        "<h2>Removal requests</h2><p>The requests made to platforms to take the content down."
        f"</p><table><tr><th>Request</th><th>Detail</th><th></th></tr>{rows}</table>"
    )


def _details_html(report: Report) -> str:
    if not report.details:
        return ""
    parts = [
        "<h2>Capture and message details</h2><table>"
        "<tr><th>Exhibits</th><th>Kind</th><th>Details</th></tr>"
    ]
    for entry in report.details:
        facts = "<br>".join(
            f'{_e(label)}: <span dir="auto">{_e(text)}</span>' for label, text in entry.facts
        )
        numbers = ", ".join(entry.exhibits)
        parts.append(f"<tr><td>{_e(numbers)}</td><td>{_e(entry.kind)}</td><td>{facts}</td></tr>")
    return "".join([*parts, "</table>"])


def _custody_html(report: Report) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
        for row in report.custody_rows()
    )
    return (
        f"<h2>Custody log</h2><p>{_e(report.custody_summary())}</p><table><tr><th>#</th>"
        "<th>When</th><th>Action</th><th>Item</th></tr>"
        f"{rows}</table>"
    )


def _e(text: str) -> str:
    return html.escape(text)
