"""The removal pages' words for what the core keeps in English: next steps and history.

The core (reclaim.notices) keeps a request's history as it happened, in plain English notes,
and names its next steps by ``wording``; these turn both into the page's language. A note the
person typed is shown as typed.
"""

import re
from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reclaim.notices import RECHECK, Event, Step
from reclaim.web.removals.forms import ESCALATION_WORDS, STATUS_WORDS
from reclaim.web.removals.services import PERSON

# Each wording: its title and detail, with %(name)s and %(reason)s filled in.
STEP_WORDS: dict[str, tuple[Promise, Promise | None]] = {
    "answer": (_("Answer the platform's question, then mark the request sent again"), None),
    "geo-restricted": (
        _("Ask again: hiding it in some countries is not a removal"),
        _(
            "A court in British Columbia held that geo-blocking does not comply (Re X Corp., "
            "2025 BCCRT 1228). Ask for it to be removed everywhere."
        ),
    ),
    "appeal": (_("Appeal the platform's decision"), _("Their reason: %(reason)s")),
    "find-host": (_("Find who hosts the site"), _("Look up the host and the registrar.")),
    "cdn": (_("Report to %(name)s"), None),
    "unknown-cdn": (_("Report to %(name)s, the network in front of the site"), None),
    "host": (
        _("Ask the host (%(name)s) to take the page down"),
        _("Only the holder of the server's address can take the server down."),
    ),
    "registrar": (
        _("Ask the registrar (%(name)s)"),
        _("A registrar can suspend the whole domain."),
    ),
    "search": (_("Ask %(name)s to remove it from results"), None),
}
ACTORS = {PERSON: _("you"), RECHECK: _("Reclaim's check")}
# The notes the site itself writes in a request's history (reclaim.notices, services).
NOTES = {
    "request written": _("request written"),
    "details changed": _("details changed"),
    "every element is present": _("everything the request needs is there"),
    "something the request needs is missing": _("something the request needs is missing"),
    "withdrawn by the person": _("withdrawn by you"),
    "removal verified by a re-check": _("Reclaim looked again: it is gone"),
    "the content is back online": _("the content is back online"),
}
NOTE_PATTERNS: tuple[tuple[re.Pattern[str], Promise], ...] = (
    (re.compile(r"sent by email to (?P<address>\S+)"), _("sent by email to %(address)s")),
    (re.compile(r"to be sent to (?P<address>\S+)"), _("to be sent to %(address)s")),
    (
        re.compile(r"the content is no longer there \(HTTP (?P<code>[^)]+)\)"),
        _("the content is no longer there (HTTP %(code)s)"),
    ),
)


def step_in_words(step: Step) -> Step:
    """Return the step with its fixed title and detail in the active language."""
    if step.wording not in STEP_WORDS:
        return step  # its words come from the catalogue, already in the page's language
    title, detail = STEP_WORDS[step.wording]
    values = {"name": step.name, "reason": step.reason}
    # Where the core wrote a fixed detail, ours replaces it; a catalogue's note is kept.
    shown = str(detail) % values if detail is not None and step.detail else step.detail
    return replace(step, title=str(title) % values, detail=shown)


@dataclass(frozen=True)
class HistoryLine:
    """One event of a request's history in the page's language."""

    at_utc: str
    by: str
    status: str
    note: str
    ticket: str
    reason: str
    escalated_to: str


def history_line(event: Event) -> HistoryLine:
    """Return an event with its actor, status, note and escalation in the active language."""
    return HistoryLine(
        at_utc=event.at_utc,
        by=str(ACTORS.get(event.by, event.by)),
        status=str(STATUS_WORDS.get(event.status, event.status)),
        note=note_in_words(event.note),
        ticket=event.ticket,
        reason=event.reason,
        escalated_to=str(ESCALATION_WORDS.get(event.escalated_to, event.escalated_to)),
    )


def note_in_words(note: str) -> str:
    """Return a note the site wrote in the active language; a note the person typed as is."""
    if note in NOTES:
        return str(NOTES[note])
    for pattern, words in NOTE_PATTERNS:
        found = pattern.fullmatch(note)
        if found:
            return str(words) % found.groupdict()
    return note
