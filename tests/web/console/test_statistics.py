"""The statistics page: every figure it shows equals a count made here, independently, from
the rows the test generated (plain Python over the same specifications, not the figures
core); small counts are hidden; each table downloads as CSV; another helpline's rows never
count; and the page shows no case number or address."""

import csv
import datetime
import io
import random
import statistics as stats
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from reclaim.web.console.models import Case, CaseAddress, Helpline
from reclaim.web.countries import COUNTRY_NAMES

from .fixtures import helpline, member, signed_in

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC
NOW = datetime.datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
UNTIL = datetime.datetime(2025, 1, 1, tzinfo=LONDON)  # figures run to the last whole month
PLATFORMS = ("alpha", "beta", "gamma")
COUNTRIES = ("gb", "ie", "")
S = CaseAddress.Status
# Addresses' statuses, and how often each is drawn.
STATUSES = (S.SENT, S.REMOVED, S.REMOVED, S.REMOVED, S.REFUSED, S.STILL_UP, S.REAPPEARED)


@dataclass(frozen=True)
class Spec:
    """One generated address as the test knows it (and counts it)."""

    platform: str
    country: str
    sent_at: datetime.datetime | None
    status: str
    removed_at: datetime.datetime | None
    deadline: datetime.datetime | None
    reappearances: int


def generate(line: Helpline, seed: int, cases: int) -> tuple[list[Case], list[Spec]]:
    """Cases over 2023 and 2024 with addresses on three platforms, stored in bulk."""
    rng = random.Random(seed)
    made, specs = [], []
    start = datetime.datetime(2023, 1, 1, tzinfo=UTC)
    for n in range(cases):
        opened = start + datetime.timedelta(minutes=rng.randrange(730 * 24 * 60))
        closed = opened + datetime.timedelta(days=rng.randrange(1, 90)) if n % 3 == 0 else None
        made.append(
            Case(
                helpline=line,
                number=f"{line.slug}-{n:06d}",
                source=Case.Source.PHONE,
                opened_at=opened,
                closed_at=closed if closed and closed < NOW else None,
                status=Case.Status.CLOSED if closed and closed < NOW else Case.Status.OPEN,
                contact_method=Case.Contact.NONE,
                country=COUNTRIES[n % 3] if n % 7 else "ie",
            )
        )
    Case.objects.bulk_create(made)
    rows = []
    for item in made:
        for k in range(rng.randrange(0, 9)):
            spec = _spec(rng, item)
            specs.append(spec)
            rows.append(
                CaseAddress(
                    case=item,
                    helpline=line,
                    url=f"https://{spec.platform}.example/{item.number}/{k}",
                    key=f"{item.number}-{k}",
                    platform=spec.platform,
                    status=spec.status,
                    sent_at=spec.sent_at,
                    removed_at=spec.removed_at,
                    deadline=spec.deadline,
                    reappearances=spec.reappearances,
                )
            )
    CaseAddress.objects.bulk_create(rows)
    return made, specs


def _spec(rng: random.Random, item: Case) -> Spec:
    platform = rng.choice(PLATFORMS)
    if rng.random() < 0.1:
        return Spec(platform, item.country, None, S.TO_SEND, None, None, 0)
    # Whole seconds, some just either side of a month's end in London.
    sent = item.opened_at + datetime.timedelta(seconds=rng.randrange(0, 5 * 86400))
    sent = min(sent, NOW - datetime.timedelta(hours=1))
    status = rng.choice(STATUSES)
    removed = None
    if status == S.REMOVED:
        removed = sent + datetime.timedelta(seconds=rng.randrange(-600, 6 * 86400))
    deadline = sent + datetime.timedelta(hours=48) if rng.random() < 0.6 else None
    back = rng.choice((0, 0, 0, 1, 2)) if status in (S.REAPPEARED, S.REMOVED) else 0
    return Spec(platform, item.country, sent, status, removed, deadline, back)


def counted(spec: Spec) -> bool:
    return spec.sent_at is not None and spec.sent_at < UNTIL


def outcome(spec: Spec) -> str:
    return {
        S.REMOVED: "removed",
        S.REFUSED: "refused",
        S.STILL_UP: "still_up",
        S.REAPPEARED: "still_up",
    }.get(spec.status, "waiting")


def month(moment: datetime.datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m")


def country(code: str) -> str:
    return str(COUNTRY_NAMES[code]) if code else "Not known"


def address_counts(specs: list[Spec], label: Callable[[Spec], str]) -> dict[str, Counter[str]]:
    """The address table's columns counted per row label, with "Total"."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for spec in specs:
        if not counted(spec):
            continue
        for key in (label(spec), "Total"):
            row = found[key]
            row["reported"] += 1
            row[outcome(spec)] += 1
            row["reappeared"] += spec.reappearances > 0
            row["reappearances"] += spec.reappearances
    return found


COLUMNS = ["reported", "removed", "refused", "still_up", "waiting", "reappeared", "reappearances"]


def download(client: Client, table: str, year: str = "") -> list[list[str]]:
    response = client.get("/console/statistics/export/", {"table": table, "year": year})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode())))


def compare(rows: list[list[str]], expected: dict[str, Counter[str]]) -> int:
    """Check every shown count against the independent one; return how many were shown."""
    shown = 0
    for row in rows[1:]:
        label, values = row[0], row[1:]
        for column, value in zip(COLUMNS, values, strict=True):
            if value in ("<5", "[c]"):
                assert expected[label][column] > 0, (label, column)
                if value == "<5":
                    assert expected[label][column] < 5, (label, column)
                continue
            assert int(value) == expected[label][column], (label, column)
            shown += 1
    return shown


@pytest.fixture
def world() -> tuple[Client, list[Case], list[Spec]]:
    line = helpline()
    cases, specs = generate(line, seed=15, cases=300)
    generate(helpline("elsewhere", "Another Helpline"), seed=16, cases=40)  # never counted
    return signed_in(member(line, "sam", "supervisor")), cases, specs


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch, settings: object) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    settings.RECLAIM_TIME_ZONE = "Europe/London"  # type: ignore[attr-defined]


def test_address_tables_match_counts_made_independently(world: tuple) -> None:
    client, _cases, specs = world
    checks = {
        "addresses_by_platform": lambda s: s.platform,
        "addresses_by_country": lambda s: country(s.country),
    }
    for table, label in checks.items():
        rows = download(client, table)
        assert compare(rows, address_counts(specs, label)) >= 20  # of 28
        assert rows[-1][:3] == [
            "Total",
            *(str(address_counts(specs, label)["Total"][c]) for c in COLUMNS[:2]),
        ]
    by_month = address_counts(specs, lambda s: month(s.sent_at) if s.sent_at else "")
    for spec in specs:  # each year's subtotal, as the table labels it
        if counted(spec):
            year = spec.sent_at.astimezone(LONDON).year
            by_month[f"{year} total"]["reported"] += 1
            by_month[f"{year} total"][outcome(spec)] += 1
            by_month[f"{year} total"]["reappeared"] += spec.reappearances > 0
            by_month[f"{year} total"]["reappearances"] += spec.reappearances
    assert compare(download(client, "addresses_by_month"), by_month) >= 60


def test_cases_and_removal_times_match_counts_made_independently(world: tuple) -> None:
    client, cases, specs = world
    opened = Counter(month(c.opened_at) for c in cases)
    closed = Counter(month(c.closed_at) for c in cases if c.closed_at and c.closed_at < UNTIL)
    rows = download(client, "cases_by_month")
    shown = 0
    for label, *values in rows[1:]:
        if label.endswith("total") or label == "Total":
            continue
        for value, want in zip(values, (opened[label], closed[label]), strict=True):
            if value not in ("<5", "[c]"):
                assert int(value) == want, label
                shown += 1
    assert shown >= 20
    assert rows[-1][1] == str(len(cases))
    times = download(client, "removal_times")
    for platform in PLATFORMS:
        removed = [
            s for s in specs if s.platform == platform and s.status == S.REMOVED and counted(s)
        ]
        minutes = sorted(
            max(0, int((s.removed_at - s.sent_at).total_seconds() // 60)) for s in removed
        )
        median = round(stats.median(minutes) / 60, 1)
        p90 = round(stats.quantiles(minutes, n=10, method="inclusive")[8] / 60, 1)
        due = [s for s in removed if s.deadline] + [
            s
            for s in specs
            if s.platform == platform
            and counted(s)
            and s.deadline
            and s.status != S.REMOVED
            and s.deadline <= NOW
        ]
        met = [s for s in removed if s.deadline and s.removed_at <= s.deadline]
        row = next(r for r in times if r[0] == platform)
        assert row[1:] == [f"{median:.1f}", f"{p90:.1f}", f"{100 * len(met) / len(due):.1f}"]


def test_page_shows_the_annual_report_sentence_charts_and_tables(world: tuple) -> None:
    client, cases, specs = world
    page = client.get("/console/statistics/", {"year": "2024"}).content.decode()
    opened = sum(1 for c in cases if c.opened_at.astimezone(LONDON).year == 2024)
    sent = [s for s in specs if s.sent_at and s.sent_at.astimezone(LONDON).year == 2024]
    removed = sum(1 for s in sent if s.status == S.REMOVED)
    sentence = (
        f"In 2024 we opened {opened:,} cases and reported {len(sent):,} addresses; "
        f"{removed:,} of them have been removed ({100 * removed / len(sent):.1f}%)."
    )
    assert sentence in page
    assert "In 2023 we opened" not in page  # the year chosen narrows the sentences
    assert page.count('role="img"') == 6 and page.count("<table") == 6
    assert page.count("<title id=") == 6 and page.count("<desc id=") == 6
    assert "2024-03</th>" in page and "2023-03</th>" not in page  # months of the year chosen
    for item in cases[:20]:
        assert item.number not in page
    assert "example/" not in page  # no address
    everything = client.get("/console/statistics/").content.decode()
    assert "In 2023 we opened" in everything and "In 2024 we opened" in everything


def test_small_counts_are_hidden_on_the_page_and_in_the_csv(world: tuple) -> None:
    client, cases, _specs = world
    rare = cases[0]
    for k in range(3):
        CaseAddress.objects.create(
            case=rare, helpline_id=rare.helpline_id, url=f"https://rare.example/{k}",
            key=f"rare-{k}", platform="rare-site", status=S.REMOVED,
            sent_at=rare.opened_at, removed_at=rare.opened_at + datetime.timedelta(hours=k + 1),
        )  # fmt: skip
    rows = download(client, "addresses_by_platform")
    rare_row = next(row for row in rows if row[0] == "rare-site")
    assert rare_row[1:3] == ["<5", "<5"]
    assert "[c]" in {value for row in rows for value in row[1:]}  # something withheld with it
    times = next(row for row in download(client, "removal_times") if row[0] == "rare-site")
    assert times[1:3] == ["[low]", "[low]"]
    page = client.get("/console/statistics/").content.decode()
    assert '<th scope="row">rare-site</th><td class="hidden-figure">fewer than 5</td>' in page
    assert 'stroke-dasharray="3 2" class="bar hidden"' in page  # drawn as an outline


def test_csv_of_a_year_has_only_that_years_months(world: tuple) -> None:
    client, _cases, _specs = world
    rows = download(client, "addresses_by_month", "2023")
    assert rows[0][0] == "Month" and rows[0][1] == "Addresses reported"
    labels = [row[0] for row in rows[1:]]
    assert labels == [f"2023-{m:02d}" for m in range(1, 13)] + ["2023 total"]
    assert client.get("/console/statistics/export/", {"table": "cases"}).status_code == 404


def test_an_empty_helpline_has_a_page_too() -> None:
    line = helpline()
    client = signed_in(member(line, "ash", "administrator"))
    page = client.get("/console/statistics/")
    assert page.status_code == 200
    assert "No cases or addresses yet." in page.content.decode()
