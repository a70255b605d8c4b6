"""Capturing pages of ``evidence.test`` (served on loopback over HTTPS with a test authority,
reached through an injected resolver and policy) in a real Chromium, through the recording
proxy: the WARC holds what the network carried, the WACZ passes `wacz validate` and its
signature verifies, error pages are marked, and refused or unverifiable sites fail clearly."""

import base64
import contextlib
import datetime
import gc
import gzip
import json
import os
import pwd
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from warcio.archiveiterator import ArchiveIterator

from reclaim.capture import (
    Capture,
    CaptureError,
    CaptureNotShownError,
    CaptureReason,
    CaptureRefusedError,
    Network,
    capture_page,
    check_address,
    verify_wacz,
)
from reclaim.capture import _capture as capture_module
from reclaim.capture._sandbox import PROFILE_PREFIX
from reclaim.capture.chromium import every_chromium, is_headless_shell

from .. import evidence_site
from ..evidence_site import CSS_CHUNKS, NAME, PAGE, PNG, SESSION_COOKIE, Authority
from ..lockers import copy_locker, template
from ..loopback import QuietHandler, loopback_server
from ..web.conftest import PASSPHRASE


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return evidence_site.make_authority(tmp_path_factory.mktemp("authority"))


@pytest.fixture(scope="module")
def base(authority: Authority) -> Iterator[str]:
    with evidence_site.serve(authority) as port:
        yield f"https://{NAME}:{port}"


def take(base: str, path: str, folder: Path, chromium: Path, authority: Authority) -> Capture:
    network = evidence_site.network(authority)
    return capture_page(base + path, folder, chromium=chromium, network=network)


@dataclass(frozen=True)
class Watched:
    """The module's capture, and the processes of its Chromium seen while it ran."""

    capture: Capture
    seen: dict[int, "Seen"]  # each process as last seen with its command line
    looks: dict[int, int]  # how many times each process was seen with its command line


@pytest.fixture(scope="module")
def watched(
    base: str, authority: Authority, tmp_path_factory: pytest.TempPathFactory, chromium_path: Path
) -> Watched:
    """Capture /start once for the module, watching the capture's processes as it runs."""
    return watch(base, authority, tmp_path_factory.mktemp("capture") / "c1", chromium_path)


@pytest.fixture(scope="module")
def watched_in(
    watched: Watched,
    chromium_path: Path,
    base: str,
    authority: Authority,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Path], Watched]:
    """Return the watched capture of /start in a given Chromium: the module's capture for
    the one Reclaim picks first, and one capture for the module in each other."""
    made = {chromium_path: watched}

    def watched_in(chromium: Path) -> Watched:
        if chromium not in made:
            folder = tmp_path_factory.mktemp("capture") / chromium.name
            made[chromium] = watch(base, authority, folder, chromium)
        return made[chromium]

    return watched_in


def watch(base: str, authority: Authority, folder: Path, chromium: Path) -> Watched:
    """Capture /start in ``chromium``, watching the capture's processes as it runs."""
    seen: dict[int, Seen] = {}
    looks: dict[int, int] = {}
    previous = os.umask(0o022)  # a common default that would leave files world-readable
    try:
        with ThreadPoolExecutor(max_workers=1) as worker:
            job = worker.submit(take, base, "/start", folder, chromium, authority)
            while not job.done():
                for process in capture_processes():
                    # A process that has ended shows no command line until it is reaped: a
                    # late look at it must not hide what an earlier one saw (under heavy load
                    # a full run once saw no renderer at all).
                    if process.arguments or process.pid not in seen:
                        seen[process.pid] = process
                        looks[process.pid] = looks.get(process.pid, 0) + 1
                time.sleep(0.02)
            return Watched(job.result(), seen, looks)
    finally:
        os.umask(previous)


@pytest.fixture(scope="module")
def capture(watched: Watched) -> Capture:
    return watched.capture


def test_capture_files_are_for_their_owner_alone(capture: Capture) -> None:
    for path in [capture.folder, *capture.files.values()]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def records(capture: Capture) -> list[Any]:
    """Return the WARC's records, each with its block read (raw payload kept as ``raw``)."""
    found = []
    with capture.files["capture.warc.gz"].open("rb") as stream:
        for record in ArchiveIterator(stream, no_record_parse=False):
            record.raw = record.raw_stream.read()
            found.append(record)
    return found


def responses(capture: Capture) -> dict[str, Any]:
    return {
        record.rec_headers.get_header("WARC-Target-URI"): record
        for record in records(capture)
        if record.rec_type == "response"
    }


def test_capture_writes_every_artefact(capture: Capture) -> None:
    for name in (
        "screenshot.png",
        "page.pdf",
        "page.mhtml",
        "dom.html",
        "capture.wacz",
        "capture.warc.gz",
        "metadata.json",
    ):
        assert capture.files[name].stat().st_size > 0, name
        assert capture.files[name].stat().st_mode & 0o077 == 0, f"{name} is readable by others"
    assert capture.files["screenshot.png"].read_bytes()[:8] == PNG[:8]
    assert capture.files["page.pdf"].read_bytes()[:5] == b"%PDF-"
    assert "Thread 42" in capture.files["dom.html"].read_text()


def test_metadata_records_what_the_proxy_saw(capture: Capture, base: str) -> None:
    meta = json.loads(capture.files["metadata.json"].read_text())
    assert meta["requested_url"] == base + "/start"
    assert meta["final_url"] == base + "/thread/42"
    assert meta["redirect_chain"] == [{"url": base + "/start", "status": 302}]
    assert meta["status"] == 200 and meta["title"] == "Forum thread 42"
    assert meta["network_quiet"] is True
    assert meta["error_page"] is False and meta["http_version"] == "HTTP/1.1"
    # The site's address and certificate, not the proxy's (127.0.0.1 is evidence.test here).
    assert meta["server_address"] == {"ipAddress": "127.0.0.1", "port": int(base.split(":")[-1])}
    assert meta["tls"]["subjectName"] == f"CN={NAME}"
    assert meta["tls"]["issuer"] == "CN=Reclaim test authority"
    assert meta["dns"] == [{"host": NAME, "addresses": ["127.0.0.1"], "used": "127.0.0.1"}]
    assert meta["capture_started_utc"] <= meta["capture_ended_utc"]
    assert meta["software"]["chromium"]
    assert set(meta["files"]) >= {"screenshot.png", "capture.wacz"}
    assert "forward proxy" in meta["warc_note"]


def test_wacz_passes_wacz_validate(capture: Capture, capsys: pytest.CaptureFixture[str]) -> None:
    """py-wacz's own `wacz validate`, in this process: what `python -m wacz validate` runs,
    without a second interpreter and its imports (and its answer is read, which the command
    line's exit status does not carry)."""
    from wacz.main import main as wacz

    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # it leaves its unzipped copy to gc
        status = wacz(["validate", "-f", str(capture.files["capture.wacz"])])
        gc.collect()
    said = capsys.readouterr().out
    assert status == 0 and "Validation succeeded" in said, said
    assert "Has signature" in said


def test_the_warc_keeps_bodies_as_carried(capture: Capture, base: str) -> None:
    found = responses(capture)
    page = found[base + "/thread/42"]
    assert page.http_headers.get_header("Content-Encoding") == "gzip"
    assert page.http_headers.get_header("Set-Cookie") == "[removed by Reclaim]"
    assert page.raw[:2] == b"\x1f\x8b", "the body is stored gzipped, as it came"
    assert gzip.decompress(page.raw) == PAGE
    assert found[base + "/image.png"].raw == PNG
    css = found[base + "/chunked"]
    assert css.http_headers.get_header("Transfer-Encoding") == "chunked"
    framing = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in CSS_CHUNKS) + b"0\r\n\r\n"
    assert css.raw == framing, "chunk sizes are kept as carried"


@pytest.mark.parametrize("chromium", every_chromium(), ids=lambda path: path.name)
def test_the_browsers_own_requests_are_never_fetched(
    chromium: Path, watched_in: Callable[[Path], Watched]
) -> None:
    """The desktop Chromium calls Google (sign-in, updates) whatever its flags say (the
    headless shell makes no such calls); the proxy asks for the credentials only Playwright
    gives for the page's own requests, so those calls end there."""
    capture = watched_in(chromium).capture
    metadata = json.loads(capture.files["metadata.json"].read_text())
    refused = metadata["browser_requests_not_fetched"]
    assert all("google" in target for target in refused), refused
    if chromium.name == "chromium":
        assert refused, "the desktop Chromium's own calls were made, and ended at the proxy"
    fetched = [r.rec_headers.get_header("WARC-Target-URI") for r in records(capture)]
    assert not [uri for uri in fetched if uri and "google" in uri]
    assert not [p for p in metadata["not_fetched"] if "google" in p["url"]], "never at the gate"


def test_no_session_secret_reaches_the_warc(capture: Capture, base: str) -> None:
    every = records(capture)
    carried = [r.http_headers.to_bytes() for r in every if r.http_headers is not None]
    secret = SESSION_COOKIE.split(";")[0].split("=")[1].encode()
    assert carried and not [head for head in carried if secret in head]
    sent_back = [
        r.http_headers.get_header("Cookie")
        for r in every
        if r.rec_type == "request" and r.http_headers.get_header("Cookie") is not None
    ]
    assert set(sent_back) <= {"[removed by Reclaim]"}, "the cookie Chromium sent back is removed"
    assert "Set-Cookie" in json.loads(capture.files["metadata.json"].read_text())["warc_note"]


def test_each_record_has_its_own_date_version_and_address(capture: Capture, base: str) -> None:
    found = responses(capture)
    dates = {record.rec_headers.get_header("WARC-Date") for record in found.values()}
    assert len(dates) == len(found), "each response has the time its own request was sent"
    assert all(
        record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1" for record in found.values()
    )
    assert found[base + "/old.js"].http_headers.protocol == "HTTP/1.0"
    assert found[base + "/image.png"].http_headers.protocol == "HTTP/1.1"
    requests = [record for record in records(capture) if record.rec_type == "request"]
    first = next(
        r for r in requests if r.rec_headers.get_header("WARC-Target-URI") == base + "/start"
    )
    line = (first.http_headers.protocol, first.http_headers.statusline)
    assert first.raw == b"" and line == ("GET", "/start HTTP/1.1")
    assert first.http_headers.get_header("Cookie") is None, "a fresh profile sends no cookie"
    assert first.http_headers.get_header("Proxy-Connection") is None


def test_the_warc_holds_the_certificate_chain_and_dns_answers(
    capture: Capture, authority: Authority
) -> None:
    every = records(capture)
    chains = [
        r
        for r in every
        if r.rec_headers.get_header("Content-Type") == "application/pem-certificate-chain"
    ]
    assert chains, "a TLS session record"
    certificates = x509.load_pem_x509_certificates(chains[0].raw)
    assert certificates[0].subject.rfc4514_string() == f"CN={NAME}"
    assert certificates[-1] == x509.load_pem_x509_certificate(authority.certificate_pem)
    assert chains[0].rec_headers.get_header("Reclaim-TLS-Version").startswith("TLSv1.")
    dns = next(r for r in every if r.rec_headers.get_header("WARC-Target-URI") == f"dns:{NAME}")
    assert json.loads(dns.raw) == {"host": NAME, "addresses": ["127.0.0.1"], "used": "127.0.0.1"}
    info = every[0]
    assert info.rec_type == "warcinfo" and b"forward proxy" in info.raw


def test_the_wacz_signature_verifies_by_hand_and_catches_a_change(
    capture: Capture, tmp_path: Path
) -> None:
    import zipfile

    key = verify_wacz(capture.files["capture.wacz"])
    assert key == capture.metadata["wacz_signature"]["public_key"]
    assert capture.locker_details()["wacz_public_key"] == key
    with zipfile.ZipFile(capture.files["capture.wacz"]) as archive:
        signed = json.loads(archive.read("datapackage-digest.json"))["signedData"]
    der = base64.b64decode(signed["publicKey"])
    pem = ssl.DER_cert_to_PEM_cert(der).replace("CERTIFICATE", "PUBLIC KEY")
    (tmp_path / "key.pem").write_text(pem)
    (tmp_path / "sig.der").write_bytes(base64.b64decode(signed["signature"]))
    (tmp_path / "hash.txt").write_text(signed["hash"])
    command = ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-signature", "sig.der"]
    done = subprocess.run([*command, "hash.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and "Verified OK" in done.stdout, done.stdout + done.stderr
    (tmp_path / "hash.txt").write_text(signed["hash"].replace("a", "b", 1))
    done = subprocess.run([*command, "hash.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0


def test_an_error_page_is_marked_as_such(
    base: str, authority: Authority, tmp_path: Path, chromium_path: Path
) -> None:
    missing = take(base, "/thread/404", tmp_path / "missing", chromium_path, authority)
    assert missing.metadata["status"] == 404 and missing.metadata["error_page"] is True
    details = missing.locker_details()
    assert details["status"] == "404" and details["error_page"].startswith("yes")
    assert json.loads(missing.files["metadata.json"].read_text())["error_page"] is True


def test_a_site_whose_certificate_is_not_trusted_fails_clearly(
    base: str, tmp_path: Path, chromium_path: Path
) -> None:
    system_only = Network(
        evidence_site.resolver, evidence_site.policy, ssl.create_default_context()
    )
    with pytest.raises(CaptureError, match=f"certificate of {NAME} could not be verified") as error:
        capture_page(base + "/start", tmp_path / "c", chromium=chromium_path, network=system_only)
    assert error.value.reason == CaptureReason.CERTIFICATE, "the pages say it in their words"


def test_a_page_whose_network_never_falls_quiet_is_still_captured(
    base: str,
    authority: Authority,
    tmp_path: Path,
    chromium_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page whose image and fetch are held open (its load never fires, its network never
    falls quiet) is saved as it is once the waits are over, and its metadata says the network
    was not quiet: no page can refuse capture by never finishing, as one whose <embed> held
    Chromium's load did (the capture failed after 30 s, 1 run in 10 of the attack tests)."""
    monkeypatch.setattr(capture_module, "LOAD_TIMEOUT_MS", 1_000)
    monkeypatch.setattr(capture_module, "QUIET_TIMEOUT_MS", 1_000)
    capture = take(base, "/never-quiet", tmp_path / "c", chromium_path, authority)
    assert capture.metadata["network_quiet"] is False
    assert "<h1>Live</h1>" in capture.files["dom.html"].read_text()
    assert capture.metadata["status"] == 200


SHELLS = [found for found in every_chromium() if is_headless_shell(found)]
FULL = [found for found in every_chromium() if not is_headless_shell(found)]


def test_a_pdf_address_is_refused_clearly_by_the_headless_shell(
    base: str, authority: Authority, tmp_path: Path
) -> None:
    """The headless shell has no PDF viewer: a PDF address starts a download, which a capture
    never keeps. It says so, and leaves nothing behind."""
    assert SHELLS, "the headless shell is installed (.ci/run installs it)"
    with pytest.raises(CaptureNotShownError, match="a file to download") as error:
        take(base, "/notice.pdf", tmp_path / "c", SHELLS[0], authority)
    assert error.value.reason == CaptureReason.NOT_SHOWN, "the pages say it in their words"
    assert not (tmp_path / "c").exists()


def test_a_pdf_address_is_captured_in_a_full_chromium_when_the_shell_is_picked(
    base: str, authority: Authority, tmp_path: Path, chromium_path: Path
) -> None:
    """Captures pick the headless shell; a PDF address is then captured in the full Chromium,
    whose viewer shows it: the document as served is in the WARC, the view in the pictures."""
    assert is_headless_shell(chromium_path) and FULL, "both Chromiums (.ci/run installs them)"
    network = evidence_site.network(authority)
    capture = capture_page(base + "/notice.pdf", tmp_path / "c", network=network)
    assert capture.metadata["status"] == 200
    assert responses(capture)[base + "/notice.pdf"].raw.endswith(evidence_site.PDF)
    assert capture.files["screenshot.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capture.files["page.pdf"].read_bytes()[:5] == b"%PDF-"


def test_private_addresses_are_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(CaptureRefusedError, match="private address"):
        check_address("http://127.0.0.1:8000/")
    with pytest.raises(CaptureError, match="not a web address"):
        check_address("file:///etc/passwd")
    with pytest.raises(CaptureRefusedError):
        capture_page("http://127.0.0.1:9/", tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_a_wacz_that_cannot_be_packed_fails_clearly(tmp_path: Path) -> None:
    """The WACZ is packed in this process: py-wacz's failure is a CaptureError in words, and
    what it leaves behind warns nobody (the suite turns warnings into errors)."""
    from reclaim.capture._capture import _pack_wacz

    (tmp_path / "capture.warc.gz").write_bytes(b"not a WARC at all")
    started = datetime.datetime(2026, 11, 23, 21, 30, tzinfo=datetime.UTC)
    with pytest.raises(CaptureError, match=r"the WACZ could not be written: .+"):
        _pack_wacz(tmp_path, "https://forum.example/thread/42", started, "Thread")
    with pytest.raises(CaptureError, match="wacz create exited 2"):  # a title its parser reads
        _pack_wacz(tmp_path, "https://forum.example/thread/42", started, "-t")  # as an option
    gc.collect()  # anything py-wacz left would warn now, and fail the test


class PlainSite(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/start":
            self.answer(302, b"", "text/plain", ("Location", "/thread/42"))
            return
        self.answer(200, PAGE, "text/html")


@pytest.fixture(scope="module")
def plain_url() -> Iterator[str]:
    with loopback_server(PlainSite) as site:
        yield site


def test_capture_command_keeps_the_capture_in_the_locker(
    plain_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reclaim.cli import main
    from reclaim.locker import Incident, Locker

    box, _ = copy_locker(tmp_path / "locker", PASSPHRASE)  # the session's template locker
    incident = box.add_incident(Incident(kind="shared", summary="posted on a forum"))
    child = box.add_incident(Incident(kind="shared", summary="school photo", under_18=True))
    secret = tmp_path / "pass"
    secret.write_text(PASSPHRASE)

    def arguments(out: str, incident_id: str) -> list[str]:
        return [
            "capture",
            plain_url + "/start",
            "--out",
            str(tmp_path / out),
            "--locker",
            str(box.root),
            "--incident",
            incident_id,
            "--passphrase-file",
            str(secret),
            "--allow-private",
        ]

    command = [sys.executable, "-m", "reclaim.cli", *arguments("out", incident.id)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    opened = Locker.resume(box.root, template(PASSPHRASE).key)  # what the command wrote
    items = opened.items()
    assert {item.name for item in items} >= {"screenshot.png", "capture.wacz", "metadata.json"}
    assert all(item.kind == "capture" and item.incident == incident.id for item in items)
    assert items[0].details["url"] == plain_url + "/start"
    assert items[0].details["error_page"] == "no" and items[0].details["status"] == "200"
    added = [entry for entry in opened.custody() if entry.action == "item-added"]
    assert {entry.details["url"] for entry in added} == {plain_url + "/start"}
    assert all(entry.details["captured_utc"] == items[0].details["captured_utc"] for entry in added)
    assert all(entry.details["wacz_public_key"] for entry in added)

    capsys.readouterr()
    status = main(arguments("child", child.id))  # the same command, run in this process
    assert status == 1 and "No pictures, videos or page captures" in capsys.readouterr().err
    assert not (tmp_path / "child").exists(), "nothing was fetched for an under-18 incident"


@dataclass(frozen=True)
class Seen:
    """A process of the capture's Chromium, as /proc showed it."""

    pid: int
    parent: int
    uids: tuple[int, ...]  # real, effective, saved, filesystem
    arguments: tuple[str, ...]
    seccomp: str  # "2": a seccomp-bpf filter (the sandbox) is on
    profile_mode: int | None
    profile_owner: int | None


def _status(pid: str) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def capture_processes() -> list[Seen]:
    """Return the capture's Chromium processes now: the one this process started with a
    Reclaim capture profile and every process below it (other tests' browsers, and captures
    by other xdist workers or other test runs on the machine, are left out).

    Called every few milliseconds while a capture runs: only each process's parent is read
    for the whole machine, and command lines only below this process."""
    parents = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError, IndexError):  # a process may end as it is read
                parents[pid] = _parent(pid)
    arguments = {}
    for pid in [pid for pid in parents if _below(pid, str(os.getpid()), parents)]:
        with contextlib.suppress(OSError):  # keep a process only if both reads succeed
            arguments[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    mark = f"--user-data-dir={tempfile.gettempdir()}/{PROFILE_PREFIX}".encode()
    ours = {pid for pid, args in arguments.items() if any(a.startswith(mark) for a in args)}
    while True:
        more = {pid for pid in arguments if parents[pid] in ours} - ours
        if not more:
            break
        ours |= more
    return [seen for pid in ours if (seen := _seen(pid, arguments[pid]))]


def _parent(pid: str) -> str:
    """Return the parent of ``pid``, from /proc/PID/stat ("pid (name) state ppid ...": the
    name may hold spaces and brackets; the last ")" ends it)."""
    with open(f"/proc/{pid}/stat", "rb") as stat_file:
        return stat_file.read().rpartition(b")")[2].split()[1].decode()


def _below(pid: str, ancestor: str, parents: dict[str, str]) -> bool:
    """Return whether ``ancestor`` started ``pid``, directly or through other processes."""
    while pid in parents and pid not in ("0", "1"):
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False


def _seen(pid: str, raw: list[bytes]) -> Seen | None:
    try:
        status = _status(pid)
    except OSError:
        return None
    args = tuple(a.decode(errors="replace") for a in raw if a)
    profile = next((a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir=")), "")
    try:
        info = os.stat(profile) if profile else None
    except OSError:
        info = None
    return Seen(
        int(pid), int(status["PPid"]), tuple(int(u) for u in status["Uid"].split()), args,
        status.get("Seccomp", ""),
        stat.S_IMODE(info.st_mode) if info else None, info.st_uid if info else None,
    )  # fmt: skip


@pytest.mark.parametrize("chromium", every_chromium(), ids=lambda path: path.name)
def test_chromium_runs_sandboxed_and_never_as_root(
    chromium: Path, watched_in: Callable[[Path], Watched]
) -> None:
    """In every Chromium on the machine that Reclaim would use: the sandbox, the flags and
    the user are the capture's, not the browser's."""
    watched = watched_in(chromium)
    seen = watched.seen
    # A zygote's children rewrite their command line as one string: search the whole of it.
    # The browser is the one the capture started (its parent is no Chromium process): a child
    # caught between its fork and its exec still shows the browser's command line.
    browser = [
        p
        for p in seen.values()
        if p.profile_mode is not None
        and "--type=" not in " ".join(p.arguments)
        and p.parent not in seen
    ]
    assert len(browser) == 1, "the capture's browser process was seen"
    assert not [p for p in seen.values() if "--no-sandbox" in " ".join(p.arguments)]
    flags = browser[0].arguments
    assert "--proxy-bypass-list=<-loopback>" in flags
    assert any(a.startswith("--proxy-server=http://127.0.0.1:") for a in flags)
    assert any(a.startswith("--host-resolver-rules=MAP * ~NOTFOUND") for a in flags)
    for spelling in ("--webrtc-ip-handling-policy", "--force-webrtc-ip-handling-policy"):
        assert f"{spelling}=disable_non_proxied_udp" in flags, "either Chromium reads its own"
    renderers = [p for p in seen.values() if "--type=renderer" in " ".join(p.arguments)]
    assert any(p.seccomp == "2" for p in renderers), "the page's renderer is sandboxed"
    # A renderer names itself before it turns its filter on: one that was starting as the
    # capture ended shows none yet (a full run under load once saw it). Any renderer seen
    # running for a while has its filter on; with the sandbox off, none ever has.
    running = [p for p in renderers if watched.looks[p.pid] >= 25]
    assert all(p.seccomp == "2" for p in running), "renderers are sandboxed"
    expected = pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert {uid for p in seen.values() for uid in p.uids} == {expected}, "never root"
    assert browser[0].profile_mode == 0o700 and browser[0].profile_owner == expected
    profile = next(a.split("=", 1)[1] for a in flags if a.startswith("--user-data-dir="))
    assert not Path(profile).exists(), "the profile is removed with the capture"
