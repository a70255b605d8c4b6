"""The pack's readable report: one model, built once, that the HTML and the PDF both render,
so the two can never disagree.

It holds what an officer reads first: what the pack covers, the timeline of incidents with
the exhibits of each, the exhibit table with digests, the details of each web capture and
message, and a summary of the custody log followed by the whole log.
"""

import datetime
import html
from collections import Counter
from dataclasses import dataclass, field

from reclaim.locker import CustodyEntry, Incident

# The words an officer reads for each kind of incident (the locker stores short codes).
KIND_WORDS = {
    "shared": "Images shared",
    "threatened": "Threat to share images",
    "extortion": "Demand for money or more images",
    "fake-image": "Fake or edited image",
    "other": "Other",
}
CAPTURE_FIELDS = ("url", "captured_utc", "final_url", "status", "server_address", "title")


@dataclass(frozen=True)
class Exhibit:
    """One exported item with its police-style exhibit number (initials/number)."""

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


@dataclass(frozen=True)
class TimelineEntry:
    """One incident and the numbers of its exhibits in this pack."""

    incident: Incident
    exhibits: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything the report says, in the order it says it."""

    title: str
    exported_utc: str
    fingerprint: str
    scope: str
    timeline: tuple[TimelineEntry, ...]
    exhibits: tuple[Exhibit, ...]
    custody: tuple[CustodyEntry, ...]

    def custody_counts(self) -> list[tuple[str, int]]:
        """Return how many custody entries there are of each action, most common first."""
        return Counter(entry.action for entry in self.custody).most_common()

    def incident_number(self, incident_id: str | None) -> str:
        """Return "Incident N" for an incident's place on the timeline, or "" if none."""
        for number, entry in enumerate(self.timeline, 1):
            if entry.incident.id == incident_id:
                return f"Incident {number}"
        return ""

    def captures(self) -> list[Exhibit]:
        """Return the exhibits that are web captures or messages, with their details."""
        return [row for row in self.exhibits if row.kind in ("capture", "message")]


def build_report(
    title: str,
    fingerprint: str,
    scope: str,
    incidents: list[Incident],
    exhibits: list[Exhibit],
    custody: list[CustodyEntry],
) -> Report:
    """Return the report of a pack holding ``exhibits`` (incidents in timeline order)."""
    ordered = sorted(enumerate(incidents), key=lambda pair: (_when(pair[1]), pair[0]))
    timeline = tuple(
        TimelineEntry(i, tuple(row.number for row in exhibits if row.incident == i.id))
        for _, i in ordered
    )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Report(title, now, fingerprint, scope, timeline, tuple(exhibits), tuple(custody))


def _when(incident: Incident) -> tuple[str, str]:
    # Undated incidents go last; the ISO text sorts as the dates do.
    return (incident.happened_on or "9999", incident.discovered_on or "9999")


def incident_facts(incident: Incident) -> list[tuple[str, str]]:
    """Return an incident's facts as (label, text) pairs, leaving out empty ones."""
    facts = [
        ("What happened", KIND_WORDS.get(incident.kind, incident.kind)),
        ("Summary", incident.summary),
        ("Happened on", incident.happened_on),
        ("Discovered on", incident.discovered_on),
        ("Platform", incident.platform),
        ("Web addresses", "\n".join(incident.urls)),
        ("People (usernames, profiles)", "\n".join(incident.people)),
        ("Reports made", "\n".join(incident.reports)),
        ("Under 18 in the image", "yes: no media kept" if incident.under_18 else ""),
    ]
    return [(label, text) for label, text in facts if text]


def capture_facts(row: Exhibit) -> list[tuple[str, str]]:
    """Return what was recorded about a capture or message exhibit."""
    details = row.details
    if row.kind == "message":
        return [("Sender", details.get("sender", "")), ("Sent at", details.get("sent_at", ""))]
    return [(key.replace("_", " "), details[key]) for key in CAPTURE_FIELDS if key in details]


def render_html(report: Report) -> str:
    """Return the report as one HTML page (user text marked dir="auto" for any script)."""
    return "".join(
        [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>{_e(report.title)}</title>",
            "<style>table{border-collapse:collapse}td,th{border:1px solid #999;"
            "padding:2px 6px;vertical-align:top;text-align:start}</style></head><body>",
            f'<h1 dir="auto">{_e(report.title)}</h1>',
            f"<p>Exported (UTC): {_e(report.exported_utc)}<br>",
            f"Covers: {_e(report.scope)}<br>",
            f"Signing key fingerprint: <code>{_e(report.fingerprint)}</code></p>",
            _timeline_html(report),
            _exhibits_html(report),
            _captures_html(report),
            _custody_html(report),
            "</body></html>\n",
        ]
    )


def _timeline_html(report: Report) -> str:
    if not report.timeline:
        return "<h2>Timeline</h2><p>No incidents are linked to these exhibits.</p>"
    parts = ["<h2>Timeline</h2><ol>"]  # numbered as "Incident N" in the exhibit table
    for entry in report.timeline:
        facts = "".join(
            f'<dt>{_e(label)}</dt><dd dir="auto">{_e(text).replace(chr(10), "<br>")}</dd>'
            for label, text in incident_facts(entry.incident)
        )
        numbers = ", ".join(entry.exhibits) or "none in this pack"
        parts.append(f"<li><dl>{facts}<dt>Exhibits</dt><dd>{_e(numbers)}</dd></dl></li>")
    return "".join([*parts, "</ol>"])


def _exhibits_html(report: Report) -> str:
    rows = "".join(
        f'<tr><td>{_e(r.number)}</td><td dir="auto">{_e(r.name)}</td><td>{_e(r.kind)}</td>'
        f"<td>{_e(r.media_type)}</td><td>{r.size}</td><td>{_e(r.added_utc)}</td>"
        f"<td>{_e(report.incident_number(r.incident))}</td><td><code>{r.sha256}</code><br>"
        f"<small><code>{r.sha512}</code></small></td></tr>"
        for r in report.exhibits
    )
    return (
        "<h2>Exhibits</h2><table><tr><th>Exhibit</th><th>Name</th><th>Kind</th><th>Type</th>"
        "<th>Bytes</th><th>Added (UTC)</th><th>Incident</th><th>SHA-256 / SHA-512</th></tr>"
        f"{rows}</table>"
    )


def _captures_html(report: Report) -> str:
    rows = report.captures()
    if not rows:
        return ""
    parts = ["<h2>Captures and messages</h2><table><tr><th>Exhibit</th><th>Details</th></tr>"]
    for row in rows:
        facts = "<br>".join(
            f'{_e(label)}: <span dir="auto">{_e(text)}</span>' for label, text in capture_facts(row)
        )
        parts.append(f"<tr><td>{_e(row.number)}</td><td>{facts}</td></tr>")
    return "".join([*parts, "</table>"])


def _custody_html(report: Report) -> str:
    counts = ", ".join(f"{action}: {count}" for action, count in report.custody_counts())
    first, last = report.custody[0], report.custody[-1]
    rows = "".join(
        f"<tr><td>{c.seq}</td><td>{_e(c.at_utc)}</td><td>{_e(c.at_local)}</td>"
        f"<td>{_e(c.action)}</td><td>{_e(c.item or '')}</td></tr>"
        for c in report.custody
    )
    return (
        f"<h2>Custody log</h2><p>{len(report.custody)} entries, from {_e(first.at_utc)} "
        f"to {_e(last.at_utc)} (UTC). {_e(counts)}.</p><table><tr><th>#</th>"
        "<th>When (UTC)</th><th>When (local)</th><th>Action</th><th>Item</th></tr>"
        f"{rows}</table>"
    )


def _e(text: str) -> str:
    return html.escape(text)
