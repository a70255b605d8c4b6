"""Template helpers for case work on console-base's pages: overdue tasks on the queue."""

from collections.abc import Iterable

from django import template

from reclaim.web.console.casetasks import overdue_counts
from reclaim.web.console.closing import OUTCOMES

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
