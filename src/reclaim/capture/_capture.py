"""Capture a web page as evidence with Chromium: full-page screenshot and PDF (with the
address and capture time shown on them), MHTML, the DOM as HTML, a WARC packed as WACZ, and
metadata. Nothing is sent anywhere but the page's own servers; never to a public archive.
"""

import datetime
import hashlib
import ipaddress
import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from reclaim import __version__
from reclaim.capture._warc import write_warc
from reclaim.capture.chromium import CHROMIUM_ARGS, find_chromium
from reclaim.errors import ReclaimError

NAVIGATION_TIMEOUT_MS = 30_000
SCRUBBED_HEADERS = ("cookie", "authorization", "set-cookie", "proxy-authorization")
BANNER_ID = "reclaim-capture-banner"


class CaptureError(ReclaimError):
    """A page could not be captured: a bad or forbidden address, or the page failed to load."""


@dataclass(frozen=True)
class Capture:
    """The files of one capture and what was recorded about it."""

    folder: Path
    files: dict[str, Path]
    metadata: dict[str, Any]


def check_address(url: str, allow_private: bool = False) -> None:
    """Raise CaptureError unless ``url`` is http(s) on a public address (or private allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CaptureError(f"{url!r} is not a web address (http:// or https://)")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
    except OSError:
        raise CaptureError(f"{parts.hostname} could not be found") from None
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            raise CaptureError(f"{parts.hostname} is a private address; it will not be captured")


def capture_page(
    url: str, destination: Path, allow_private: bool = False, chromium: Path | None = None
) -> Capture:
    """Capture ``url`` into the new folder ``destination``; return what was written."""
    check_address(url, allow_private)
    destination.mkdir(mode=0o700, parents=True)  # evidence: for its owner's eyes only
    started = datetime.datetime.now(datetime.UTC)
    # Playwright's sync API refuses to run where an event loop is running (an async server, a
    # test already driving a browser); a thread of its own has none.
    with ThreadPoolExecutor(max_workers=1) as worker:
        metadata = worker.submit(_run_browser, url, destination, started, chromium).result()
    files = {path.name: path for path in sorted(destination.iterdir())}
    metadata["files"] = {name: _sha256(path) for name, path in files.items()}
    (destination / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    files["metadata.json"] = destination / "metadata.json"
    for path in files.values():
        path.chmod(0o600)  # whatever the umask: Chromium and Python write 0644 by default
    return Capture(destination, files, metadata)


def _run_browser(
    url: str, destination: Path, started: datetime.datetime, chromium: Path | None
) -> dict[str, Any]:
    arguments = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium or find_chromium()), args=arguments
        )
        try:
            return _record(browser, url, destination, started)
        except PlaywrightError as error:
            raise CaptureError(f"the page could not be captured: {error.message}") from None
        finally:
            browser.close()


def _record(browser: Any, url: str, folder: Path, started: datetime.datetime) -> dict[str, Any]:
    context = browser.new_context(ignore_https_errors=False)
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    main = page.goto(url, wait_until="networkidle", timeout=NAVIGATION_TIMEOUT_MS)
    if main is None:
        raise CaptureError("the page sent nothing back")
    (folder / "dom.html").write_text(page.content(), encoding="utf-8")
    session = context.new_cdp_session(page)
    snapshot = session.send("Page.captureSnapshot", {"format": "mhtml"})
    (folder / "page.mhtml").write_text(snapshot["data"], encoding="utf-8")
    exchanges = _exchanges(responses)
    write_warc(folder / "capture.warc.gz", exchanges, started, browser.version)
    _show_banner(page, main.url, started)
    page.screenshot(path=str(folder / "screenshot.png"), full_page=True)
    page.pdf(path=str(folder / "page.pdf"), print_background=True)
    ended = datetime.datetime.now(datetime.UTC)
    _pack_wacz(folder, url, started, page.title())
    return {
        "requested_url": url,
        "final_url": main.url,
        "redirect_chain": _redirects(main),
        "status": main.status,
        "server_address": main.server_addr(),
        "tls": main.security_details(),
        "title": page.title(),
        "capture_started_utc": started.isoformat(timespec="milliseconds"),
        "capture_ended_utc": ended.isoformat(timespec="milliseconds"),
        "capture_time_note": "one capture time (the start) is shown on the screenshot and PDF; "
        "the banner showing it was added to those two files only",
        "scrubbed_headers": list(SCRUBBED_HEADERS),
        "warc_note": "the WARC was reconstructed from the browser's view of each response",
        "software": {
            "reclaim": __version__,
            "chromium": browser.version,
            "python": sys.version.split()[0],
        },
    }


def _exchanges(responses: list[Any]) -> list[dict[str, Any]]:
    exchanges = []
    for response in responses:
        try:
            body = response.body()
        except PlaywrightError:  # redirects and aborted loads have no body
            body = b""
        exchanges.append(
            {
                "url": response.url,
                "status": response.status,
                "status_text": response.status_text,
                "method": response.request.method,
                "request_headers": _scrub(response.request.headers_array()),
                "response_headers": _scrub(response.headers_array()),
                "body": body,
            }
        )
    return exchanges


def _scrub(headers: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [
        (header["name"], header["value"])
        for header in headers
        if header["name"].lower() not in SCRUBBED_HEADERS and not header["name"].startswith(":")
    ]


def _redirects(main: Any) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    request = main.request.redirected_from
    while request is not None:
        response = request.response()
        chain.insert(0, {"url": request.url, "status": response.status if response else None})
        request = request.redirected_from
    return chain


def _show_banner(page: Any, url: str, started: datetime.datetime) -> None:
    text = f"Captured by Reclaim · {url} · {started.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    page.evaluate(
        """([id, text]) => {
            const banner = document.createElement('div');
            banner.id = id;
            banner.textContent = text;
            banner.style.cssText = 'position:relative;z-index:2147483647;display:block;'
              + 'background:#ffd200;color:#000;font:14px/1.4 monospace;padding:6px 8px;'
              + 'border-bottom:2px solid #000;word-break:break-all;direction:ltr;';
            document.body.prepend(banner);
        }""",
        [BANNER_ID, text],
    )


def _pack_wacz(folder: Path, url: str, started: datetime.datetime, title: str) -> None:
    command = [
        sys.executable,
        "-m",
        "wacz",
        "create",
        "-o",
        str(folder / "capture.wacz"),
        "--detect-pages",
        "--url",
        url,
        "--title",
        title or url,
        "--ts",
        started.strftime("%Y%m%d%H%M%S"),
        str(folder / "capture.warc.gz"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CaptureError(f"the WACZ could not be written: {result.stderr.strip()[-300:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
