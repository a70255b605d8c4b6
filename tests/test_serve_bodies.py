"""Request bodies through a real `reclaim serve` on loopback: refused unread, uploads sealed.

The attack: an anonymous client declares a body of 1 GiB. The server used to read all of it
before the site was asked, parking it in a temporary file (in plaintext). Now the answer (413)
comes after the headers alone, nothing is written anywhere, and the connection is closed.

The server runs in a child process whose ``tempfile.TemporaryFile`` is watched: every file it
opens and every write holding the test's marker is reported, so plaintext in a temporary file
cannot hide (such files have no name to be found by).
"""

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from . import loopback

ANSWER_SECONDS = 10
SLOW_SECONDS = 120  # setting up a locker runs Argon2id, slow on purpose (and on a busy machine)
PASSPHRASE = "purple otter under the bridge"
# Repeated so that any write of 64 bytes or more holds a whole copy.
MARKER = b"PLAINTEXT-MARKER-7f3a"
SPY = """
import sys, tempfile
report, marker = sys.argv[1], sys.argv[2].encode()
real = tempfile.TemporaryFile

def note(line):
    with open(report, "a") as out:
        out.write(line + "\\n")

class Watched:
    def __init__(self, file):
        self._file = file
    def write(self, data):
        if marker in bytes(data):
            note("plaintext")
        return self._file.write(data)
    def __getattr__(self, name):
        return getattr(self._file, name)

def watched(*args, **kwargs):
    note("opened")
    return Watched(real(*args, **kwargs))

tempfile.TemporaryFile = watched
from reclaim.cli import main
sys.exit(main(sys.argv[3:]))
"""


@dataclass(frozen=True)
class Site:
    origin: str
    port: int
    report: Path
    folders: tuple[Path, ...]

    def reported(self) -> list[str]:
        return self.report.read_text().split() if self.report.exists() else []


@contextmanager
def serving(tmp_path: Path, migrated: Path) -> Iterator[Site]:
    """A `reclaim serve` of its own (loopback.serving, under the spy), its temporary folder
    watched. Its database starts as a copy of the migrated one (tests/conftest.py)."""
    data, temporary = tmp_path / "data", tmp_path / "tmp"
    temporary.mkdir()
    report = tmp_path / "report.txt"
    with loopback.serving(
        data,
        "https://www.bbc.co.uk/weather",  # the exit button's page: a link, never fetched
        migrated,
        ("-c", SPY, str(report), MARKER.decode()),
        RECLAIM_LOCKER_CALIBRATE="false",
        TMPDIR=str(temporary),
        HOME=str(tmp_path),
    ) as origin:
        yield Site(origin, int(origin.rpartition(":")[2]), report, (data, temporary))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[Site]:
    """One server for the tests that sign in (its personal locker is set up once, by
    ``signed_in_client``). Only one of them looks at what the spool reported, and the other
    sends nothing that reaches the spool."""
    with serving(tmp_path_factory.mktemp("signed-in"), migrated_sqlite) as made:
        yield made


@pytest.fixture(scope="module")
def anonymous_site(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[Site]:
    """One server for the tests that send no one's evidence: each of them expects nothing
    opened and nothing written, so what one did could only make another fail, never pass."""
    with serving(tmp_path_factory.mktemp("anonymous"), migrated_sqlite) as made:
        yield made


def send_headers_only(
    site: Site, path: str, declared: int, *headers: str, body_start: bytes = b""
) -> tuple[bytes, bool]:
    """Declare a body of ``declared`` bytes, send only its start; return the answer and
    whether the server then closed the connection (rather than wait for the rest)."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{site.port}",
        "Content-Type: multipart/form-data; boundary=x",
        f"Content-Length: {declared}",
        *headers,
    ]
    with socket.create_connection(("127.0.0.1", site.port), timeout=ANSWER_SECONDS) as client:
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body_start)
        answer = b""
        try:
            while piece := client.recv(65536):
                answer += piece
        except TimeoutError:
            return answer, False  # the server is still waiting for the body
        return answer, True


def files_holding_marker(site: Site) -> list[Path]:
    found = []
    for folder in site.folders:
        for path in folder.rglob("*"):
            if path.is_file() and MARKER in path.read_bytes():
                found.append(path)
    return found


def test_a_large_anonymous_upload_is_refused_after_its_headers_and_never_spooled(
    anonymous_site: Site,
) -> None:
    answer, closed = send_headers_only(
        anonymous_site, "/en/locker/evidence/upload/", 1024 * 1024 * 1024, body_start=MARKER * 1024
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert closed, "the server closed the connection instead of reading the rest"
    assert b"This was too large to send" in answer and b"exit-button" in answer
    assert anonymous_site.reported() == [], "no temporary file was opened, nothing written"
    assert files_holding_marker(anonymous_site) == []


def test_an_ordinary_form_takes_a_few_kilobytes_and_the_api_its_own_limit(
    anonymous_site: Site,
) -> None:
    form, closed = send_headers_only(anonymous_site, "/en/locker/set-up/", 1024 * 1024)
    assert form.startswith(b"HTTP/1.1 413") and closed
    api, closed = send_headers_only(anonymous_site, "/api/v1/match", 10 * 1024 * 1024)
    assert api.startswith(b"HTTP/1.1 413") and closed
    assert b"application/problem+json" in api and b'"status": 413' in api


def test_a_large_chunked_body_is_refused_before_its_chunk_is_read(anonymous_site: Site) -> None:
    with socket.create_connection(
        ("127.0.0.1", anonymous_site.port), timeout=ANSWER_SECONDS
    ) as client:
        head = (
            f"POST /api/v1/match HTTP/1.1\r\nHost: 127.0.0.1:{anonymous_site.port}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        client.sendall(head.encode() + f"{100 * 1024 * 1024:x}\r\n".encode() + MARKER)
        answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert anonymous_site.reported() == []


def test_a_small_chunked_body_reaches_the_page_like_any_other(anonymous_site: Site) -> None:
    with httpx.Client(base_url=anonymous_site.origin, timeout=SLOW_SECONDS) as client:
        answer = client.post(
            "/api/v1/match",
            content=iter([b'{"signals": ', b"[]}"]),  # a generator: sent chunked
            headers={"Content-Type": "application/json"},
        )
    assert answer.status_code == 401, "read and answered by the API (no token)"


@pytest.fixture(scope="module")
def signed_in_client(site: Site) -> Iterator[httpx.Client]:
    """A client whose locker is set up and open, as a browser would do it."""
    headers = {"Sec-Fetch-Site": "same-origin"}
    with httpx.Client(base_url=site.origin, headers=headers, timeout=SLOW_SECONDS) as client:
        fields = {"passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
        assert client.post("/en/locker/set-up/", data=fields).status_code == 302
        assert client.post("/en/locker/recovery-code/").status_code == 302
        yield client


def test_a_signed_in_upload_arrives_sealed_and_no_plaintext_touches_disk(
    site: Site, signed_in_client: httpx.Client
) -> None:
    content = MARKER * (2 * 1024 * 1024 // len(MARKER))  # 2 MiB: past any in-memory buffer
    client = signed_in_client
    added = client.post(
        "/en/locker/evidence/upload/", files={"file": ("chat.txt", content, "text/plain")}
    )
    assert added.status_code == 302, added.text[:2000]
    item = added.headers["Location"]
    kept = client.get(item + "file/", params={"download": "1"})
    assert kept.content == content, "the upload was kept whole"
    assert "opened" in site.reported(), "the upload went through the sealed spool"
    assert "plaintext" not in site.reported(), "no temporary file ever held the plaintext"
    assert files_holding_marker(site) == [], "neither the data folder nor the temporary folder"


def test_a_refused_signed_in_upload_is_not_drained_into_memory(
    site: Site, signed_in_client: httpx.Client
) -> None:
    cookies = "; ".join(f"{name}={value}" for name, value in signed_in_client.cookies.items())
    answer, closed = send_headers_only(
        site,
        "/en/locker/evidence/upload/",
        100 * 1024 * 1024,  # within the upload limit, from someone signed in
        f"Cookie: {cookies}",
        "Sec-Fetch-Site: cross-site",  # refused by the form check, which reads no body
    )
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
    assert closed, "closed after the answer; the 100 MiB were never read"
