"""The statistics page reads figures the worker counted and kept (models.FiguresSnapshot):
what is kept equals a fresh count after each kind of change, once counted again, and the page
says when it was counted. Rows are changed directly, as each service leaves them."""

import datetime
import json

import pytest
from django.utils import timezone

from reclaim.web.console import deletion, statistics, storedfigures
from reclaim.web.console.models import Case, CaseAddress, FiguresSnapshot, Helpline

from .fixtures import helpline, member, signed_in
from .test_statistics import NOW, generate

S = CaseAddress.Status
JUNE = datetime.datetime(2024, 6, 10, 9, 0, tzinfo=datetime.UTC)  # a whole month: counted


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch, settings: object) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    settings.RECLAIM_TIME_ZONE = "Europe/London"  # type: ignore[attr-defined]


def kept_equals_fresh(line: Helpline) -> None:
    """Before counting again the old figures are shown; after, exactly a fresh count's."""
    before = statistics.latest(line.pk)[0]
    fresh = statistics.build(line.pk)
    assert fresh != before, "the change should move the figures"
    statistics.refresh(line.pk)
    assert statistics.latest(line.pk)[0] == fresh


def test_kept_figures_equal_a_fresh_count_after_every_kind_of_change() -> None:
    line = helpline()
    cases, _ = generate(line, seed=15, cases=120)
    statistics.refresh(line.pk)
    assert statistics.latest(line.pk)[0] == statistics.build(line.pk)
    # Intake or a referral: a new case with its addresses.
    new = Case.objects.create(
        helpline=line, number="rph-new", source=Case.Source.PHONE, opened_at=JUNE, country="gb"
    )
    CaseAddress.objects.bulk_create(
        CaseAddress(case=new, helpline=line, url=f"https://alpha.example/{n}", key=str(n),
                    platform="alpha", status=S.TO_SEND)
        for n in range(12)
    )  # fmt: skip
    kept_equals_fresh(line)
    # A batch sent: every address sent, with a deadline.
    new.addresses.update(status=S.SENT, sent_at=JUNE, deadline=JUNE + datetime.timedelta(days=2))
    kept_equals_fresh(line)
    # Re-checks: removals, then one back online.
    ids = list(new.addresses.order_by("pk").values_list("pk", flat=True))
    later = JUNE + datetime.timedelta(hours=30)
    CaseAddress.objects.filter(pk__in=ids[:8]).update(status=S.REMOVED, removed_at=later)
    kept_equals_fresh(line)
    CaseAddress.objects.filter(pk=ids[0]).update(status=S.REAPPEARED, reappearances=1)
    kept_equals_fresh(line)
    # Closing a case.
    Case.objects.filter(pk=new.pk).update(status=Case.Status.CLOSED, closed_at=JUNE)
    kept_equals_fresh(line)
    # Withdrawal: the case emptied (its addresses go with the shared content) and closed.
    withdrawn = cases[3]
    assert withdrawn.addresses.exists()
    withdrawn.addresses.all().delete()
    kept_equals_fresh(line)
    # Deletion after the retention period, by the worker's own job.
    Case.objects.filter(pk=new.pk).update(retention_until=NOW - datetime.timedelta(days=1))
    assert deletion.delete_expired() == 1
    kept_equals_fresh(line)


def test_kept_figures_are_json_and_read_back_the_same() -> None:
    line = helpline()
    generate(line, seed=15, cases=60)
    built = statistics.build(line.pk)
    statistics.refresh(line.pk)
    stored = FiguresSnapshot.objects.get(helpline=line).figures
    assert json.loads(json.dumps(stored)) == stored
    assert statistics.latest(line.pk)[0] == built
    assert storedfigures.from_json(storedfigures.to_json(built)) == built


def test_page_says_when_counted_and_counts_again_when_stale() -> None:
    line = helpline()
    generate(line, seed=15, cases=40)
    old = NOW - datetime.timedelta(minutes=statistics.FIGURES_STALE_MINUTES + 1)
    statistics.refresh(line.pk, old)
    client = signed_in(member(line, "sam", "supervisor"))
    page = client.get("/console/statistics/").content.decode()
    assert "Figures as of 2025-01-15 12:00 (UTC)" in page
    assert FiguresSnapshot.objects.get(helpline=line).counted_at == NOW
    recent = NOW - datetime.timedelta(minutes=5)
    statistics.refresh(line.pk, recent)
    page = client.get("/console/statistics/").content.decode()
    assert "Figures as of 2025-01-15 11:55 (UTC)" in page
