"""Capture time per page (loopback page, real Chromium) and export plus verify time for a
1 GB case. No reference tool is named for these in issue 3: absolute times are reported."""

import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from reclaim.capture import capture_page
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


def capture_seconds(folder: Path) -> list[float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    times = []
    try:
        for number in range(CAPTURES):
            started = time.perf_counter()
            capture_page(url, folder / f"capture-{number}", allow_private=True)
            times.append(time.perf_counter() - started)
    finally:
        server.shutdown()
        server.server_close()
    return times


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
        captures = capture_seconds(folder)
        exported, verified = export_and_verify_seconds(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "benchmark": "capture and packs",
        "capture_seconds_per_page": sorted(round(value, 3) for value in captures),
        "capture_median_seconds": round(sorted(captures)[len(captures) // 2], 3),
        "case_bytes": CASE_BYTES,
        "export_seconds": round(exported, 2),
        "verify_seconds": round(verified, 2),
    }
