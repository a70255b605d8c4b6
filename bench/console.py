"""The helpline console at the Revenge Porn Helpline's size, on PostgreSQL (issue 15).

Loads 25,000 cases and 100,000 addresses a year, 5 years kept (125,000 cases, 500,000
addresses; one case has 500 addresses), with COPY, into a database of its own beside
DATABASE_URL's (``<name>_console_bench_<cases>``), kept between runs: a second run finds it
loaded and goes straight to the measures. Then measures server time with Django's test client
in this process (the whole middleware stack, the audit entry each page writes included; no
network):

- the queue (cases, and addresses across cases, with filters) at the 95th percentile;
- a case with 500 addresses;
- statistics over everything (the page, and its parts: the GROUP BY queries, the figures);
- re-checks: a worker process re-checks a sample of open addresses against a loopback site
  (bench/rechecks.py's, each answer 10 ms late) with reclaim.notices.recheck_many, writing
  each result back in bulk, while this process times the queue again. The rate over the
  sample is extrapolated to 100,000 open addresses; loopback costs only CPU, so the bound a
  real site's latency sets (concurrency / latency) is given beside it.

- composing and recording a batch of 500 addresses (100 new cases of 5, added for the measure
  and deleted after it) through reclaim.web.console.batches, as the batch page does.

The statistics page reads figures the worker counted and kept (statistics.refresh); the bench
counts them once first and times that count apart (the worker's cost, every 15 minutes).

Targets sit beside measured values with their ratio (measured / target); nothing here asserts.
Without DATABASE_URL pointing at PostgreSQL the bench does nothing and says why.
Run alone: DATABASE_URL=postgres://... python bench/console.py [cases_per_year]
"""

import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from child import measure_in_child

HERE = Path(__file__).resolve().parent
CASES_PER_YEAR = 25_000
ADDRESSES_PER_CASE = 4  # 100,000 addresses a year
YEARS = 5
BIG_CASE_ADDRESSES = 500
CASEWORKERS = 30
TARGETS_MS = {
    "queue_p95": 100.0,
    "case_500_addresses_p95": 150.0,
    "batch_500_addresses": 2000.0,
    "statistics_everything": 1000.0,
}
RECHECK_OPEN_ADDRESSES = 100_000
RECHECK_INTERVAL_HOURS = 6.0
RECHECK_SAMPLE = 3_000
RECHECK_CONCURRENCY = 16
REAL_SITE_LATENCY_SECONDS = 0.5  # a slow real site, for the bound concurrency / latency
QUEUE_REQUESTS = 60
PLATFORMS = ("x", "reddit", "pornhub", "telegram", "xvideos", "onlyfans", "imgur", "") * 2
COUNTRIES = ("gb",) * 8 + ("ie", "us", "pl", "ro", "")
SECRETS = {
    "RECLAIM_MODE": "service",
    "SECRET_KEY": "bench-only-secret-key-" + "k7Qz" * 12,
    "ALLOWED_HOSTS": "testserver,127.0.0.1",
    "RECLAIM_PIN_PEPPER": "bench-only-pepper-0123456789abcdef",
    "RECLAIM_HELPLINE_SECRET": "bench-only-helpline-secret-0123456789",
}


def run(database_url: str | None = None, cases_per_year: int = CASES_PER_YEAR) -> dict[str, Any]:
    """Run the bench in a child process (its own Django settings) and return its results."""
    url = database_url if database_url is not None else os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return {
            "benchmark": "helpline console at Revenge Porn Helpline size",
            "skipped": "DATABASE_URL does not name a PostgreSQL database: nothing was measured. "
            "Set DATABASE_URL=postgres://... and run make bench again.",
        }
    env = os.environ | SECRETS | {"DATABASE_URL": bench_database(url, cases_per_year)}
    env["RECLAIM_DATA_DIR"] = env.get("RECLAIM_DATA_DIR") or tempfile.mkdtemp(prefix="reclaim-")
    return measure_in_child(__file__, str(cases_per_year), env)


def bench_database(url: str, cases_per_year: int) -> str:
    """Create (once) the bench's own database beside ``url``'s; return its URL."""
    import psycopg

    base, _, name = url.rpartition("/")
    bench_name = f"{name.split('?')[0]}_console_bench_{cases_per_year}"
    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (bench_name,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{bench_name}"')
    return f"{base}/{bench_name}"


# --- In the child process -----------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


LOAD_BEFORE: list[float] = []


def measure(cases_per_year: int) -> dict[str, Any]:
    LOAD_BEFORE.extend(os.getloadavg())
    _setup()
    started = time.perf_counter()
    line, loaded_now = load(cases_per_year)
    load_seconds = round(time.perf_counter() - started, 1)
    from reclaim.web.console.models import Case, CaseAddress

    client = signed_in_supervisor(line)
    big = Case.objects.get(helpline=line, number=_number(0, 0))
    queue = queue_samples(client, QUEUE_REQUESTS)
    case_ms = [
        _timed(client, f"/console/cases/{big.number}/?addresses={1 + n % 5}") for n in range(15)
    ]
    parts = statistics_parts(line.pk)
    stats_ms = [_timed(client, "/console/statistics/") for _ in range(6)]
    batch = batch_measure(line)
    recheck, queue_during = recheck_with_queue(client, line.pk)
    result = {
        "benchmark": "helpline console at Revenge Porn Helpline size (issue 15)",
        "database": "postgresql",
        "machine": {"cpus": os.cpu_count(), "note": "2 cores shared with other jobs"},
        "loaded": {
            "cases": Case.objects.filter(helpline=line).count(),
            "addresses": CaseAddress.objects.filter(helpline=line).count(),
            "years": YEARS,
            "loaded_this_run": loaded_now,
            "seconds": load_seconds,
        },
        "measures": {
            "queue_p95_ms": _against(_p95(queue), "queue_p95"),
            "queue_median_ms": round(statistics.median(queue), 1),
            "case_500_addresses_p95_ms": _against(_p95(case_ms), "case_500_addresses_p95"),
            "statistics_everything_ms": _against(
                statistics.median(stats_ms), "statistics_everything"
            ),
            "statistics_slowest_ms": round(max(stats_ms), 1),
            "statistics_parts_ms": parts,
            "batch_500_addresses_ms": _against(batch, "batch_500_addresses"),
            "recheck": recheck,
            "queue_p95_ms_during_recheck": _against(_p95(queue_during), "queue_p95"),
        },
        "method": "server time with Django's test client in process (middleware, audit entry "
        "and template included, no network); p95 of the samples; the case page is read a "
        "page of 100 addresses at a time, all five pages in turn",
        "load_average_before_and_after": [LOAD_BEFORE, list(os.getloadavg())],
    }
    return result


def _against(measured: float, target: str) -> dict[str, float]:
    goal = TARGETS_MS[target]
    return {"measured": round(measured, 1), "target": goal, "ratio": round(measured / goal, 3)}


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(client: Any, path: str) -> float:
    started = time.perf_counter()
    answer = client.get(path, secure=True)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code}")
    return elapsed


def _number(year_index: int, serial: int) -> str:
    return f"{2021 + year_index}-{serial:06d}"


def load(cases_per_year: int) -> tuple[Any, bool]:
    """Return the bench helpline, loading it first unless a previous run did."""
    from reclaim.web.console import keys
    from reclaim.web.console.models import Helpline

    name = f"Bench helpline, {cases_per_year} cases a year for {YEARS} years"
    found = Helpline.objects.filter(slug="bench", name=name).first()
    if found is not None:
        return found, False
    from django.db import connection

    with connection.cursor() as cursor:  # a half-loaded earlier run: start again
        cursor.execute("TRUNCATE console_helpline, auth_user CASCADE")
    line = keys.new_helpline("bench", "loading")
    members = _staff(line)
    _copy_rows(line, members, cases_per_year)
    line.name = name
    line.save(update_fields=["name"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return line, True


def _staff(line: Any) -> list[int]:
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reclaim.web.console.models import StaffMember

    ids = []
    for n in range(CASEWORKERS + 1):
        user = User.objects.create_user(f"staff{n}", password=None)
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        role = {"supervisor": True} if n == 0 else {"caseworker": True}
        ids.append(StaffMember.objects.create(user=user, helpline=line, **role).pk)
    return ids[1:]


def _copy_rows(line: Any, caseworkers: list[int], cases_per_year: int) -> None:
    """COPY the cases, then their addresses (one case with 500), in one transaction."""
    from django.db import connection, transaction

    rng = random.Random(15)  # noqa: S311 (a fixed seed for generated rows, not a secret)
    now = datetime.datetime.now(datetime.UTC)
    first = now - datetime.timedelta(days=365 * YEARS)
    case_columns = (
        "helpline_id, number, status, source, opened_at, closed_at, outcome, assigned_to_id, "
        "country, under_18, contact_method, contact_safe, next_deadline"
    )
    opened_times = []
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY
        with raw.copy(f"COPY console_case ({case_columns}) FROM STDIN") as copy:
            for year in range(YEARS):
                for serial in range(1, cases_per_year + 1):
                    opened = first + datetime.timedelta(
                        seconds=rng.uniform(year, year + 1) * 365 * 86400
                    )
                    open_now = (now - opened).days < 60 or rng.random() < 0.02
                    closed = (
                        None if open_now else opened + datetime.timedelta(days=rng.randint(1, 50))
                    )
                    opened_times.append(opened)
                    copy.write_row(
                        (
                            line.pk,
                            _number(year, serial - 1),
                            "open" if open_now else "closed",
                            rng.choice(("phone", "email", "chat", "referral")),
                            opened,
                            closed,
                            "" if open_now else "removed",
                            rng.choice(caseworkers) if rng.random() < 0.8 else None,
                            rng.choice(COUNTRIES),
                            False,
                            "none",
                            False,
                            opened + datetime.timedelta(days=2) if open_now else None,
                        )
                    )
        cursor.execute(
            "SELECT id, number FROM console_case WHERE helpline_id = %s ORDER BY number",
            [line.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
        _copy_addresses(raw, line.pk, ids, opened_times, rng, cases_per_year, now)


def _copy_addresses(
    raw: Any,
    helpline_id: int,
    case_ids: list[int],
    opened: list[datetime.datetime],
    rng: random.Random,
    cases_per_year: int,
    now: datetime.datetime,
) -> None:
    columns = (
        "case_id, helpline_id, url, key, platform, route, profile, status, sent_at, deadline, "
        "removed_at, last_checked_at, reappearances"
    )
    total = cases_per_year * YEARS * ADDRESSES_PER_CASE
    counts = [BIG_CASE_ADDRESSES] + [0] * (len(case_ids) - 1)
    for _ in range(total - BIG_CASE_ADDRESSES):
        counts[rng.randrange(1, len(case_ids))] += 1
    # ids were read back ordered by number, which is the order the cases were written in.
    with raw.copy(f"COPY console_caseaddress ({columns}) FROM STDIN") as copy:
        for index, (case_id, many) in enumerate(zip(case_ids, counts, strict=True)):
            for k in range(many):
                copy.write_row(_address_row(rng, case_id, helpline_id, opened[index], k, now))


STATUS_WEIGHTS = (
    ("removed", 75),
    ("refused", 5),
    ("still-up", 8),
    ("sent", 10),
    ("reappeared", 2),
)
_STATUSES = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]


def _address_row(
    rng: random.Random,
    case_id: int,
    helpline_id: int,
    opened: datetime.datetime,
    k: int,
    now: datetime.datetime,
) -> tuple[Any, ...]:
    platform = rng.choice(PLATFORMS)
    url = f"https://{platform or 'unknown'}.example/{case_id}/{k}"
    sent = min(opened + datetime.timedelta(hours=rng.uniform(0, 72)), now)
    status = rng.choice(_STATUSES)
    removed = None
    if status == "removed":
        removed = sent + datetime.timedelta(hours=rng.lognormvariate(3, 1.2))
    deadline = sent + datetime.timedelta(hours=48) if rng.random() < 0.6 else None
    back = rng.choice((1, 1, 2)) if status == "reappeared" else 0
    return (
        case_id,
        helpline_id,
        url,
        f"{case_id}-{k}",
        platform,
        "report",
        "uk-osa" if deadline else "",
        status,
        sent,
        deadline,
        removed,
        sent + datetime.timedelta(hours=6),
        back,
    )


def signed_in_supervisor(line: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reclaim.web.console.access import SEEN
    from reclaim.web.console.models import StaffMember

    boss = StaffMember.objects.select_related("user").get(helpline=line, supervisor=True)
    client = Client()
    client.force_login(boss.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=boss.user).persistent_id
    session[SEEN] = time.time()
    session.save()
    return client


QUEUE_PATHS = (
    "/console/",
    "/console/?page=3",
    "/console/?view=addresses",
    "/console/?view=addresses&status=still-up&page=2",
    "/console/?country=ie",
    "/console/?platform=reddit",
    "/console/?overdue=1",
    "/console/?reappeared=1",
    "/console/?caseworker=none",
    "/console/?status=closed&page=5",
)


def queue_samples(client: Any, requests: int) -> list[float]:
    for path in QUEUE_PATHS:  # warm up
        _timed(client, path)
    return [_timed(client, QUEUE_PATHS[n % len(QUEUE_PATHS)]) for n in range(requests)]


def statistics_parts(helpline_id: int) -> dict[str, float]:
    """Time the worker's count of the figures: the counting queries, reclaim.figures, and the
    whole of statistics.refresh (which keeps them for the page)."""
    from django.utils import timezone

    from reclaim import figures
    from reclaim.web.console import statistics as stats

    started = time.perf_counter()
    cases, addresses, times = stats.counted_rows(helpline_id, timezone.now(), stats.zone())
    counted = time.perf_counter()
    figures.build_figures(cases, addresses, times)
    built = time.perf_counter()
    stats.refresh(helpline_id)
    kept = time.perf_counter()
    return {
        "group_by_queries": round((counted - started) * 1000, 1),
        "build_figures": round((built - counted) * 1000, 1),
        "counted_rows": len(cases) + len(addresses) + len(times),
        "worker_refresh_ms": round((kept - built) * 1000, 1),
    }


def batch_measure(line: Any) -> float:
    """Compose and record a batch of 500 addresses (100 new cases of 5); return ms."""
    from django.utils import timezone

    from reclaim.web.console import batches, casework
    from reclaim.web.console.models import Batch, Case, CaseAddress, StaffMember

    worker = StaffMember.objects.filter(helpline=line, caseworker=True).order_by("pk").first()
    assert worker is not None
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(helpline=line, number=f"batch-bench-{n:03d}", source="phone", opened_at=now,
             assigned_to=worker, country="gb", contact_method="none")
        for n in range(100)
    )  # fmt: skip
    CaseAddress.objects.bulk_create(
        CaseAddress(case=item, helpline=line, url=f"https://www.reddit.com/r/b{item.pk}/{n}",
                    key=f"{item.pk}-{n}", platform="reddit", profile="uk-online-safety")
        for item in cases
        for n in range(5)
    )  # fmt: skip
    facts = batches.CaseFacts("Jo", "written consent", "", True, True)
    whole = batches.WholeFacts("Sam", line.name, "casework@helpline.example", "", "", True)
    casework.catalogue()  # read the directory once, as a running site has
    try:
        started = time.perf_counter()
        chosen = batches.selection(worker, "reddit", "uk-online-safety")
        composed = batches.compose(chosen, whole, {c.pk: facts for c in cases}, "2026-01-01")
        recorded = batches.record_submitted(worker, chosen, composed)
        elapsed = (time.perf_counter() - started) * 1000
        if sum(b.count for b in recorded) != 500:
            raise SystemExit(f"the batch recorded {[b.count for b in recorded]}, not 500")
    finally:
        Batch.objects.filter(helpline=line, items__address__case__in=cases).delete()
        Case.objects.filter(pk__in=[c.pk for c in cases]).delete()
    return elapsed


def recheck_with_queue(client: Any, helpline_id: int) -> tuple[dict[str, Any], list[float]]:
    """Re-check a sample in a worker process while timing the queue here."""
    site = subprocess.Popen(
        [sys.executable, str(HERE / "rechecks.py"), "serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        worker = subprocess.Popen(
            [sys.executable, __file__, "recheck", base, str(helpline_id)],
            stdout=subprocess.PIPE,
            text=True,
        )
        during = []
        while worker.poll() is None:
            during.append(_timed(client, QUEUE_PATHS[len(during) % len(QUEUE_PATHS)]))
        out, _ = worker.communicate()
    finally:
        site.terminate()
        site.wait(timeout=10)
    recheck: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return recheck, during or [0.0]


def recheck_worker(base: str, helpline_id: int) -> dict[str, Any]:
    """Re-check a sample of open addresses (loopback copies) and write the results back, in
    the worker's chunks (rechecks.RECHECK_CHUNK) and at its lower priority (cli.WORKER_NICENESS)."""
    from reclaim.cli import WORKER_NICENESS

    os.nice(WORKER_NICENESS)
    _setup()
    from django.db import transaction
    from django.utils import timezone

    from reclaim.notices import RecheckTarget, recheck_many
    from reclaim.web.console.models import CaseAddress
    from reclaim.web.console.rechecks import RECHECK_CHUNK

    sample = list(
        CaseAddress.objects.filter(helpline_id=helpline_id, status__in=CaseAddress.OPEN_STATUSES)
        .order_by("last_checked_at", "pk")
        .values_list("pk", flat=True)[:RECHECK_SAMPLE]
    )
    started = time.perf_counter()
    for chunk_start in range(0, len(sample), RECHECK_CHUNK):
        chunk = sample[chunk_start : chunk_start + RECHECK_CHUNK]
        targets = [RecheckTarget(f"{base}/slow/p/{pk % 1000}") for pk in chunk]
        seen = recheck_many(targets, concurrency=RECHECK_CONCURRENCY, allow_private=True)
        now = timezone.now()
        rows = list(CaseAddress.objects.filter(pk__in=chunk))
        by_pk = dict(zip(chunk, seen, strict=True))
        for row in rows:
            row.last_checked_at = now
            if by_pk[row.pk].removal_confirmed:
                row.status, row.removed_at = CaseAddress.Status.REMOVED, now
        with transaction.atomic():
            CaseAddress.objects.bulk_update(rows, ["last_checked_at", "status", "removed_at"])
    seconds = time.perf_counter() - started
    rate = len(sample) / seconds
    hours = RECHECK_OPEN_ADDRESSES / rate / 3600
    latency_rate = RECHECK_CONCURRENCY / REAL_SITE_LATENCY_SECONDS
    return {
        "sample_addresses": len(sample),
        "concurrency": RECHECK_CONCURRENCY,
        "site": "loopback, every answer 10 ms late (bench/rechecks.py)",
        "seconds": round(seconds, 1),
        "addresses_per_second": round(rate, 1),
        "hours_for_100000_open_addresses": round(hours, 2),
        "target_hours": RECHECK_INTERVAL_HOURS,
        "ratio": round(hours / RECHECK_INTERVAL_HOURS, 3),
        "bound_if_every_site_took_500ms": {
            "addresses_per_second": latency_rate,
            "hours_for_100000": round(RECHECK_OPEN_ADDRESSES / latency_rate / 3600, 2),
            "note": "concurrency / latency: the loopback rate says what the worker's CPU "
            "allows, this what slow real sites would allow",
        },
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["measure"]:
        print(json.dumps(measure(int(argv[1]))))
    elif argv[:1] == ["recheck"]:
        print(json.dumps(recheck_worker(argv[1], int(argv[2]))))
    else:
        size = int(argv[0]) if argv else CASES_PER_YEAR
        result = run(cases_per_year=size)
        if size == CASES_PER_YEAR:
            (HERE / "results" / "console.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv[1:]))
