"""Template helpers for case work on console-base's pages: overdue tasks on the queue."""

from collections.abc import Iterable

from django import template
from django.utils.translation import gettext as _

from reclaim.web.console.casetasks import overdue_counts
from reclaim.web.console.closing import OUTCOMES
from reclaim.web.console.summaries import kind_words
from reclaim.web.countries import COUNTRY_NAMES

register = template.Library()


@register.simple_tag
def overdue_tasks(rows: Iterable[object]) -> dict[int, int]:
    """Return the overdue task counts of a queue page's cases (one query for the page)."""
    ids = [row.case.pk for row in rows if hasattr(row, "case")]
    return overdue_counts(ids) if ids else {}


@register.filter
def count_for(counts: dict[int, int], case_id: int) -> int:
    """Return the count kept for ``case_id`` (0 when none)."""
    return counts.get(case_id, 0)


@register.filter
def outcome_label(outcome: str) -> str:
    """Return a closed case's outcome in words."""
    return str(OUTCOMES.get(outcome, outcome))


@register.filter
def incident_kind(kind: str) -> str:
    """Return the kind of a shared incident (a code in the referral) in the page's language."""
    return kind_words(kind)


@register.filter
def action_words(action: str) -> str:
    """Return what an audit entry's action (a permission's name) means, in the page's language."""
    words = {
        "view queue": _("view the queue"),
        "view case": _("view a case"),
        "edit case": _("edit a case"),
        "assign": _("assign a case"),
        "claim address": _("claim an address"),
        "write notes": _("write notes"),
        "read notes": _("read notes"),
        "reveal media": _("reveal media"),
        "send batch": _("send a batch request"),
        "close case": _("close a case"),
        "delete case": _("delete a case"),
        "read audit log": _("read the audit log"),
        "view statistics": _("view statistics"),
        "manage staff": _("manage staff"),
        "manage settings": _("manage settings"),
        # Entries written by staff management and referrals (staffing, referrals).
        "view staff": _("view staff"),
        "add member": _("add a member"),
        "change roles": _("change roles"),
        "deactivate member": _("deactivate a member"),
        "renew device": _("renew an authenticator app"),
        "confirm device": _("confirm an authenticator app"),
        "change settings": _("change settings"),
        "open case": _("open a case"),
        "receive referral": _("receive a referral"),
    }
    return words.get(str(action), str(action))


@register.filter
def country_name(code: str) -> str:
    """Return a country's name in the page's language (its code, in capitals, if unnamed)."""
    return str(COUNTRY_NAMES.get(code, code.upper()))
