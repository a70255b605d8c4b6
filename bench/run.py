"""Benchmarks, written to bench/results/ and printed:

- pages.json: page weight (bytes a browser transfers per page, everything included) and server
  time per page, on SQLite. Aims (issue 2): under 60 KB per page, under 20 ms median.
- locker.json: locker ingest throughput beside the raw primitives (bench/locker.py).
- evidence.json: capture wall and CPU time per page in every Chromium installed, side by side
  (the headless shell's as a ratio of the desktop Chromium's), export and verify time for a
  1 GB case.
- hashing.json: PDQ images per second beside the reference path, on 1080p and 12 MP JPEGs,
  and the distance of each hash to the reference's (bench/hashing.py).
- rechecks.json: re-checking a thousand removal-request addresses on a local server, time and
  peak memory, beside an async httpx client with the same 16 slots (bench/rechecks.py).
- matching.json: the hash bank's index at 1M and 10M hashes beside threatexchange's PDQ index
  (what HMA runs), faiss's MultiHash as threatexchange configures it and with Reclaim's chunk
  widths, and faiss's flat index: build time, ms per query, memory, agreement
  (bench/matching.py).
- locker_pages.json: server time of the locker's pages with 1,000 items and 5,000 custody
  entries beside a small locker, and a profile of the slowest (bench/locker_pages.py).
- api.json: HTTP load on /api/v1/match with 1M hashes, from a second process (bench/api.py).
- console.json: the helpline console with 125,000 cases and 500,000 addresses on PostgreSQL
  (DATABASE_URL; skipped, saying so, without it): queue p95, a case with 500 addresses,
  statistics over everything, re-check rate and the queue while re-checks run (bench/console.py).
- referral_pictures.json: one picture of a 192 MiB referral in the console (and the shared
  page), time and peak memory, beside the old way of reading the whole container, as ratios
  (bench/referral_pictures.py; on PostgreSQL with DATABASE_URL, else SQLite).
"""

import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # single-core figures (bench/hashing.py)
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "pages.json"
LANGUAGES = ("en", "ar")
TIMED_REQUESTS = 40
WARM_UP_REQUESTS = 3
AIM_BYTES = 60 * 1024
AIM_SERVER_MS = 20.0


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="reclaim-bench-")
    console_database = os.environ.pop("DATABASE_URL", "")  # the console bench's PostgreSQL
    os.environ["RECLAIM_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclaim.web.settings")
    import django

    django.setup()
    from reclaim.web.support.content import page_paths

    paths = [(code, path) for code in LANGUAGES for path in page_paths(code)]
    timings = server_times(paths)
    weights = page_weights(paths, data_dir)
    rows = [
        {"language": code, "path": path, **weights[path], "server_ms_median": timings[path]}
        for code, path in paths
    ]
    report = summarise(rows)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    sys.path.insert(0, str(HERE))
    import api
    import evidence
    import hashing
    import locker
    import locker_pages
    import matching
    import rechecks

    modules = (
        ("locker", locker),
        ("locker_pages", locker_pages),
        ("evidence", evidence),
        ("hashing", hashing),
        ("rechecks", rechecks),
        ("matching", matching),
        ("api", api),
    )
    for name, module in modules:
        result = module.run()
        (HERE / "results" / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    import console

    result = console.run(database_url=console_database)
    (HERE / "results" / "console.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    import referral_pictures

    result = referral_pictures.run(database_url=console_database)
    (HERE / "results" / "referral_pictures.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


def server_times(paths: list[tuple[str, str]]) -> dict[str, float]:
    """Median milliseconds Django takes to answer each page (in process, no network)."""
    from django.core.management import call_command
    from django.test import Client

    from locker_pages import page_samples  # bench/ is on sys.path once main() runs

    call_command("migrate", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    medians = {}
    for _, path in paths:
        samples = page_samples(client, path, WARM_UP_REQUESTS, TIMED_REQUESTS)
        medians[path] = round(statistics.median(samples), 3)
    return medians


def page_weights(paths: list[tuple[str, str]], data_dir: str) -> dict[str, dict[str, int]]:
    """Bytes and requests for a cold load of each page in Chromium via `reclaim serve`."""
    from playwright.sync_api import sync_playwright

    from reclaim.capture import CHROMIUM_ARGS, find_chromium

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reclaim.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        env=os.environ | {"RECLAIM_DATA_DIR": data_dir},
    )
    weights = {}
    try:
        wait_for(port)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(find_chromium()), args=[*CHROMIUM_ARGS, "--no-sandbox"]
            )
            for _, path in paths:
                weights[path] = weigh(browser, f"http://127.0.0.1:{port}{path}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return weights


def weigh(browser: object, url: str) -> dict[str, int]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="networkidle")
    total = 0
    for request in finished:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += sizes["requestHeadersSize"]
    context.close()
    return {"bytes": total, "requests": len(finished)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"reclaim serve did not start on port {port}")


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    sizes = [int(row["bytes"]) for row in rows]  # type: ignore[call-overload]
    times = [float(row["server_ms_median"]) for row in rows]  # type: ignore[arg-type]
    return {
        "benchmark": "support site pages",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "database": "sqlite",
        "aims": {"max_bytes_per_page": AIM_BYTES, "median_server_ms": AIM_SERVER_MS},
        "summary": {
            "pages": len(rows),
            "largest_page_bytes": max(sizes),
            "median_page_bytes": statistics.median(sizes),
            "median_server_ms": round(statistics.median(times), 3),
            "slowest_page_server_ms": max(times),
            "largest_page_vs_aim": round(max(sizes) / AIM_BYTES, 3),
            "median_server_ms_vs_aim": round(statistics.median(times) / AIM_SERVER_MS, 3),
        },
        "pages": rows,
    }


def print_table(report: dict[str, object]) -> None:
    print(f"{'page':<48} {'bytes':>8} {'reqs':>5} {'server ms':>10}")
    for row in report["pages"]:  # type: ignore[attr-defined]
        print(
            f"{row['path']:<48} {row['bytes']:>8} {row['requests']:>5} "
            f"{row['server_ms_median']:>10.2f}"
        )
    summary = report["summary"]
    print(json.dumps(summary, indent=2))
    print(f"Results written to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    sys.exit(main())
