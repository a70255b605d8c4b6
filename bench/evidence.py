"""Capture time per page (loopback page, real Chromium) and export plus verify time for a
1 GB case. No reference tool is named for these in issue 3: absolute times are reported.

Captures are timed in every Chromium on the machine that Reclaim would use, side by side in
the same run (Debian's headless shell, which Reclaim picks first, and the desktop Chromium):
wall time and the CPU the machine spent (the capture's threads, Playwright's driver and every
Chromium process), and the shell's figures as ratios of the desktop browser's.
"""

import os
import shutil
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from reclaim.capture import capture_page
from reclaim.capture.chromium import every_chromium
from reclaim.locker import LOW_MEMORY_PROFILE, Locker
from reclaim.packs import FAIL, export_pack, verify_pack

CASE_BYTES = 1024**3
ITEM_BYTES = 64 * 1024**2
CAPTURES = 5
PAGE = b"<!doctype html><html lang='en'><title>Bench</title><h1>A page</h1>" + b"<p>text</p>" * 500


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *arguments: object) -> None:
        pass


def capture_costs(folder: Path, chromium: Path) -> list[tuple[float, float]]:
    """Capture the page CAPTURES times in ``chromium``, after one capture to warm up; return
    the wall and CPU seconds of each."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    costs = []
    try:
        for number in range(CAPTURES + 1):
            started, cpu = time.perf_counter(), machine_cpu_seconds()
            destination = folder / f"{chromium.name}-{number}"
            capture_page(url, destination, chromium=chromium, allow_private=True)
            if number:  # the first starts Playwright's driver, which later captures keep
                costs.append((time.perf_counter() - started, machine_cpu_seconds() - cpu))
    finally:
        server.shutdown()
        server.server_close()
    return costs


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core, every process): a capture's
    Chromium runs partly as another user, in namespaces of its own, so no process tree of
    ours holds all of it. The bench is meant to run on a machine otherwise idle."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(field) for field in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def captures_side_by_side(folder: Path) -> dict[str, object]:
    found = {chromium.name: chromium for chromium in every_chromium()}
    rows: dict[str, dict[str, object]] = {}
    medians: dict[str, tuple[float, float]] = {}
    for name, chromium in found.items():
        costs = capture_costs(folder, chromium)
        walls, cpus = sorted(wall for wall, _ in costs), sorted(cpu for _, cpu in costs)
        medians[name] = (statistics.median(walls), statistics.median(cpus))
        rows[name] = {
            "path": str(chromium),
            "wall_seconds": [round(value, 3) for value in walls],
            "cpu_seconds": [round(value, 3) for value in cpus],
            "median_wall_seconds": round(medians[name][0], 3),
            "median_cpu_seconds": round(medians[name][1], 3),
        }
    result: dict[str, object] = {"used_first": next(iter(found), None), "chromiums": rows}
    if "chromium-headless-shell" in medians and "chromium" in medians:
        (shell_wall, shell_cpu), (wall, cpu) = (
            medians["chromium-headless-shell"],
            medians["chromium"],
        )
        result["shell_over_chromium_cpu"] = round(shell_cpu / cpu, 2)
        result["shell_over_chromium_wall"] = round(shell_wall / wall, 2)
    return result


def export_and_verify_seconds(folder: Path) -> tuple[float, float]:
    box, _ = Locker.create(folder / "locker", "bench passphrase", LOW_MEMORY_PROFILE)
    block = bytes(range(256)) * (ITEM_BYTES // 256)
    for number in range(CASE_BYTES // ITEM_BYTES):
        box.add(block[number:] + block[:number], f"item-{number}.bin", "application/octet-stream")
    started = time.perf_counter()
    pack = export_pack(box, folder / "pack", "JS", "1 GB bench case")
    exported = time.perf_counter() - started
    started = time.perf_counter()
    checks = verify_pack(pack)
    verified = time.perf_counter() - started
    assert not [check for check in checks if check.status == FAIL]
    return exported, verified


def run() -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="reclaim-bench-evidence-"))
    try:
        captures = captures_side_by_side(folder)
        exported, verified = export_and_verify_seconds(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "benchmark": "capture and packs",
        "captures_per_chromium": CAPTURES,
        "captures": captures,
        "case_bytes": CASE_BYTES,
        "export_seconds": round(exported, 2),
        "verify_seconds": round(verified, 2),
    }
