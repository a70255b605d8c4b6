"""Re-check throughput beside a plain sequential client, in the same run, on loopback.

A local site serves 1000 pages: 60% answer 200 with a small body, 30% answer 404, 10% redirect
once and then answer 200. Reclaim's recheck_many visits all 1000 at concurrency 16 (every hop
resolved and checked, the connection pinned to the checked address); the reference is the
naive loop: one httpx.Client, one GET after another, redirects followed by httpx. The site runs
in a child process, so its threads do not compete with the client for the GIL; each side is
timed once untraced, then run again under tracemalloc for its peak memory.

On loopback a request costs only CPU, so that comparison shows overhead. Real sites answer in
tens to hundreds of milliseconds, so the same 1000 pages are also timed with LATENCY_SECONDS
added to every answer (untraced only): that is where concurrency pays.
"""

import importlib
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = 1000
CONCURRENCY = 16
LATENCY_SECONDS = 0.01  # added to each answer under /slow/ (a fast site, nearby)
BODY = b"<html><body><p>a small page, as a post with its text</p></body></html>"


def run() -> dict[str, object]:
    for module in ("httpx", "reclaim.notices"):  # loaded before the first memory reading
        importlib.import_module(module)
    site = subprocess.Popen([sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        rss_before = _max_rss_kb()
        loopback = _compare([f"{base}/p/{i}" for i in range(PAGES)], traced=True)
        rss_after = _max_rss_kb()
        latency = _compare([f"{base}/slow/p/{i}" for i in range(PAGES)], traced=False)
    finally:
        site.terminate()
        site.wait(timeout=10)
    return {
        "benchmark": f"re-checks of {PAGES} pages (60% 200, 30% 404, 10% redirect then 200)",
        "concurrency": CONCURRENCY,
        "loopback": loopback,
        f"with_{LATENCY_SECONDS * 1000:g}ms_latency": latency,
        "max_rss_kb_before": rss_before,
        "max_rss_kb_after": rss_after,
    }


def _compare(urls: list[str], traced: bool) -> dict[str, object]:
    """Return both sides' figures for the same addresses, and the ratio of their rates."""
    import httpx

    from reclaim.notices import RecheckTarget, recheck_many

    targets = [RecheckTarget(url) for url in urls]

    def ours() -> list[int | None]:
        results = recheck_many(targets, concurrency=CONCURRENCY, allow_private=True)
        return [r.status_code for r in results]

    def reference() -> list[int | None]:
        with httpx.Client(follow_redirects=True, timeout=10.0) as client:
            return [client.get(url).status_code for url in urls]

    reclaim_side, reference_side = _side(ours, traced), _side(reference, traced)
    assert reclaim_side.pop("statuses") == reference_side.pop("statuses"), "same answers"
    rates = (reclaim_side["urls_per_second"], reference_side["urls_per_second"])
    return {
        "reclaim_recheck_many": reclaim_side,
        "reference_sequential_httpx": reference_side,
        "ratio_urls_per_second": round(float(rates[0]) / float(rates[1]), 2),  # type: ignore[arg-type]
    }


def _side(visit: Callable[[], list[int | None]], traced: bool) -> dict[str, object]:
    """Return one side's time (untraced) and, if asked, its peak traced memory (a second run)."""
    started = time.perf_counter()
    statuses = visit()
    seconds = time.perf_counter() - started
    figures: dict[str, object] = {
        "seconds": round(seconds, 3),
        "urls_per_second": round(len(statuses) / seconds, 1),
        "statuses": statuses,
    }
    if traced:
        tracemalloc.start()
        visit()
        figures["tracemalloc_peak_kb"] = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
    return figures


def _max_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites do
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (40 ms a request), which would time the site, not the clients.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        path = self.path.removeprefix("/slow")
        if path != self.path:
            time.sleep(LATENCY_SECONDS)
        kind = int(path.rsplit("/", 1)[1]) % 10
        if path.startswith("/p/") and kind == 9:
            self._answer(302, b"", ("Location", self.path.replace("/p/", "/final/p/")))
        elif path.startswith("/p/") and kind >= 6:
            self._answer(404, b"<h1>Not found</h1>")
        else:
            self._answer(200, BODY)

    def _answer(self, status: int, body: bytes, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections that arrive together


def _serve() -> None:
    server = _Server(("127.0.0.1", 0), _Site)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        _serve()
    else:
        import json

        print(json.dumps(run(), indent=2))
