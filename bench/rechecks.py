"""Re-check throughput beside a plain async client with the same 16 slots, in the same run.

A local site serves 1000 pages: 60% answer 200 with a small body, 30% answer 404, 10% redirect
once and then answer 200. Reclaim's recheck_many visits all 1000 at concurrency 16 (every hop
resolved and checked, the connection pinned to the checked address). The fair reference does
the same visits with the same 16 slots and nothing else: one httpx.AsyncClient (the library
Reclaim's fetcher sits on, so the ratio is the cost of Reclaim's checks, not of a library; no
aiohttp here), a task per address behind asyncio.Semaphore(16), at most 16 connections,
redirects followed by httpx. The naive sequential loop (one httpx.Client, one GET after
another) is kept beside them for scale. The site runs in a child process, so its threads do
not compete with the clients for the GIL; each side is timed once untraced, then run again
under tracemalloc for its peak memory.

On loopback a request costs only CPU, so that comparison shows overhead. Real sites answer in
tens to hundreds of milliseconds, so the same 1000 pages are also timed with LATENCY_SECONDS
added to every answer (untraced only): that is where concurrency pays.
"""

import asyncio
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


def run(pages: int = PAGES) -> dict[str, object]:
    for module in ("httpx", "reclaim.notices"):  # loaded before the first memory reading
        importlib.import_module(module)
    site = subprocess.Popen([sys.executable, __file__, "serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        rss_before = _max_rss_kb()
        loopback = _compare([f"{base}/p/{i}" for i in range(pages)], traced=True)
        rss_after = _max_rss_kb()
        latency = _compare([f"{base}/slow/p/{i}" for i in range(pages)], traced=False)
    finally:
        site.terminate()
        site.wait(timeout=10)
    return {
        "benchmark": f"re-checks of {pages} pages (60% 200, 30% 404, 10% redirect then 200)",
        "concurrency": CONCURRENCY,
        "loopback": loopback,
        f"with_{LATENCY_SECONDS * 1000:g}ms_latency": latency,
        "max_rss_kb_before": rss_before,
        "max_rss_kb_after": rss_after,
    }


def _compare(urls: list[str], traced: bool) -> dict[str, object]:
    """Return every side's figures for the same addresses, and Reclaim's rate over theirs."""
    import httpx

    from reclaim.notices import RecheckTarget, recheck_many

    targets = [RecheckTarget(url) for url in urls]

    def ours() -> list[int | None]:
        results = recheck_many(targets, concurrency=CONCURRENCY, allow_private=True)
        return [r.status_code for r in results]

    def sequential() -> list[int | None]:
        with httpx.Client(follow_redirects=True, timeout=10.0) as client:
            return [client.get(url).status_code for url in urls]

    sides = {
        "reclaim_recheck_many": _side(ours, traced),
        "reference_async_httpx_16_slots": _side(
            lambda: asyncio.run(_async_reference(urls)), traced
        ),
        "sequential_httpx_for_scale": _side(sequential, traced),
    }
    statuses = [side.pop("statuses") for side in sides.values()]
    assert all(s == statuses[0] for s in statuses), "every side sees the same answers"
    rate = {name: float(side["urls_per_second"]) for name, side in sides.items()}  # type: ignore[arg-type]
    ours_rate = rate["reclaim_recheck_many"]
    return sides | {
        "ratio_urls_per_second": round(ours_rate / rate["reference_async_httpx_16_slots"], 2),
        "ratio_vs_sequential": round(ours_rate / rate["sequential_httpx_for_scale"], 2),
    }


async def _async_reference(urls: list[str]) -> list[int | None]:
    """Return each address's final status: one AsyncClient, CONCURRENCY requests at a time."""
    import httpx

    slots = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(follow_redirects=True, timeout=10.0, limits=limits) as client:

        async def visit(url: str) -> int | None:
            async with slots:
                return (await client.get(url)).status_code

        return list(await asyncio.gather(*(visit(url) for url in urls)))


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
    if sys.argv[1:] == ["serve"]:  # the site's child process
        _serve()
    else:
        import json

        print(json.dumps(run(int(sys.argv[1]) if sys.argv[1:] else PAGES), indent=2))
