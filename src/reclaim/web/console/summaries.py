"""What happened, as a referral case keeps it: facts and the survivor's words, no sentences.

A case opened from a referral keeps the referral's facts (until when it is shared, the kind of
each incident, its dates, whether someone was under 18) and the survivor's own words, sealed as
a small JSON document. The sentences around them are written when a page shows them, in the
reader's language: one caseworker reads the case in Arabic, the next in Polish. A case opened
at intake keeps what the caseworker typed, shown as typed; so does a referral case kept before
summaries were kept this way (its summary is not such a document).
"""

import json
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reclaim.locker import Incident
from reclaim.referrals import Manifest

FORMAT = "reclaim-referral-summary-1"  # marks a kept summary as this document

# The survivor site's words for each kind of incident (reclaim.web.evidence.forms), so the
# console says what the survivor chose, in the same words.
INCIDENT_KINDS: dict[str, Promise] = {
    "shared": gettext_lazy("Images were shared"),
    "threatened": gettext_lazy("Someone threatened to share images"),
    "extortion": gettext_lazy("Someone demanded money or more images"),
    "fake-image": gettext_lazy("A fake or edited image"),
    "other": gettext_lazy("Something else"),
}


def kind_words(kind: str) -> str:
    """Return an incident kind in the active language (the code itself if it is not known)."""
    return str(INCIDENT_KINDS.get(kind, kind))


def kept(manifest: Manifest) -> str:
    """Return the summary a referral case keeps (to be sealed): its facts, in no language."""
    document = {
        "format": FORMAT,
        "shared_until_utc": manifest.expires_utc,
        "message": manifest.message,
        "incidents": [_incident_facts(incident) for incident in manifest.incidents],
    }
    return json.dumps(document, ensure_ascii=False)


def _incident_facts(incident: Incident) -> dict[str, Any]:
    return {
        "kind": incident.kind,
        "happened_on": incident.happened_on,
        "discovered_on": incident.discovered_on,
        "platform": incident.platform,
        "under_18": incident.under_18,
        "summary": incident.summary,
    }


def shown(summary: str) -> str:
    """Return a kept summary as the case page shows it, in the active language."""
    document = _document(summary)
    if document is None:
        return summary
    until = document["shared_until_utc"]
    parts = [
        _("From the survivor's own evidence locker; shared until %(until)s.") % {"until": until}
    ]
    if document["message"]:
        parts.append(_("Their message:") + "\n" + document["message"])
    for number, incident in enumerate(document["incidents"], 1):
        parts.append(_incident_text(number, incident))
    return "\n\n".join(parts)


def _document(summary: str) -> dict[str, Any] | None:
    if not summary.startswith("{"):
        return None
    try:
        document = json.loads(summary)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    return document


def _incident_text(number: int, incident: dict[str, Any]) -> str:
    facts = [kind_words(incident["kind"])]
    if incident["happened_on"]:
        facts.append(_("happened %(date)s") % {"date": incident["happened_on"]})
    if incident["discovered_on"]:
        facts.append(_("found %(date)s") % {"date": incident["discovered_on"]})
    if incident["platform"]:
        facts.append(_("on %(platform)s") % {"platform": incident["platform"]})
    if incident["under_18"]:
        facts.append(_("someone in the image was under 18"))
    heading = _("Incident %(number)s: %(facts)s") % {"number": number, "facts": " · ".join(facts)}
    return f"{heading}\n{incident['summary']}"
