"""`reclaim verify` reads untrusted files: whatever is changed, it prints a FAIL line with the
reason, never a traceback, and every change to something it checks is a FAIL.

One timestamped pack is built for the module; each test damages files in place and restores
them, running the checks in-process so ~1,400 token variants take a few seconds.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import tsp

from reclaim.cli import main
from reclaim.packs import FAIL, PASS, WARN, Check, export_pack, verify_pack
from reclaim.signing.timestamps import TimestampError, load_roots, verify_token

from ..lockers import SHARED_PASSPHRASE, copy_locker
from .conftest import Authority
from .test_timestamps import closed_port_url

TOKEN = "timestamps/tsa-1.tsr"
BUG = "a bug in Reclaim"


@dataclass(frozen=True)
class Pack:
    root: Path
    tsa_root: Path


@pytest.fixture(scope="module")
def pack(authority: Authority, tmp_path_factory: pytest.TempPathFactory) -> Pack:
    folder = tmp_path_factory.mktemp("robust")
    box, _ = copy_locker(folder / "locker", SHARED_PASSPHRASE)
    box.add(b"a screenshot, as bytes", "screenshot.png", "image/png")
    box.add(b"a message they sent\n", "message.txt", "text/plain")
    box.timestamp_log_head((authority.url,))
    authorities = (authority.url, closed_port_url())  # one token, one pending
    root = export_pack(box, folder / "pack", "JS", "Robust", authorities=authorities)
    return Pack(root, authority.root)


def run(pack: Pack) -> list[Check]:
    return verify_pack(pack.root, [pack.tsa_root])


@contextlib.contextmanager
def replaced(path: Path, content: bytes) -> Iterator[None]:
    """Give ``path`` other content for the duration, then put the original back."""
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        yield
    finally:
        path.write_bytes(original)


def test_the_untouched_pack_passes_with_one_timestamp_pending(pack: Pack) -> None:
    statuses = {check.name: check.status for check in run(pack)}
    assert FAIL not in statuses.values(), statuses
    assert statuses[f"timestamp {TOKEN}"] == PASS
    assert statuses["timestamp timestamps/tsa-2.tsr"] == WARN
    assert [n for n in statuses if n.startswith("timestamp timestamps/custody-")]


def status_value_offset(token: bytes) -> int:
    """Return the offset of the byte holding PKIStatus (granted = 0) in a TimeStampResp."""
    status = tsp.TimeStampResp.load(token)["status"]["status"]
    offset = token.index(status.dump())
    return offset + len(status.dump()) - 1


def test_a_bit_flip_in_every_byte_of_the_token_fails_and_nothing_escapes(pack: Pack) -> None:
    """Everything in the token is checked (the TSTInfo by its signed digest, the signed
    attributes by the signature, the certificates by their issuers' signatures and by being
    on the chain, the CMS versions, algorithms and content types field by field, in DER)
    except PKIStatus, which no one signs: its lowest bit turns "granted" (0) into "granted
    with modifications" (1), which RFC 3161 says also carries a valid token. That one flip
    may PASS; every other must be a TimestampError, and nothing else may escape.

    Byte n has bit n % 8 flipped (so every bit position is exercised, ~1,400 runs); the
    full sweep of all eight bits of every byte (~11,500 runs, ~15 s) gave the same result
    when this was written."""
    token = (pack.root / TOKEN).read_bytes()
    manifest = (pack.root / "tagmanifest-sha256.txt").read_bytes()
    roots = load_roots([pack.tsa_root], system=False)
    verify_token(token, manifest, roots)
    passed, escaped = [], []
    for offset in range(len(token)):
        bit = offset * 8 + offset % 8
        damaged = bytearray(token)
        damaged[offset] ^= 1 << (offset % 8)
        try:
            verify_token(bytes(damaged), manifest, roots)
        except TimestampError:
            continue
        except Exception as error:  # counted: the test asserts there are none
            escaped.append((bit, repr(error)))
        else:
            passed.append(bit)
    assert len(token) > 1000
    assert escaped == []
    status = status_value_offset(token)
    assert status % 8 == 0  # so the test does flip the bit that makes "granted with mods"
    assert passed == [status * 8]


@pytest.mark.parametrize("byte", [0, 9, 57, 300, 700, -90, -1])
def test_a_damaged_token_gives_a_fail_line_from_full_verify(pack: Pack, byte: int) -> None:
    token = pack.root / TOKEN
    damaged = bytearray(token.read_bytes())
    damaged[byte] ^= 0x10
    with replaced(token, bytes(damaged)):
        checks = {check.name: check for check in run(pack)}
    assert checks[f"timestamp {TOKEN}"].status == FAIL
    assert not [c for c in checks.values() if BUG in c.detail]


def every_file(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_changed_byte_at_the_start_middle_and_end_of_every_file_fails(pack: Pack) -> None:
    files = every_file(pack.root)
    assert len(files) >= 18
    unnoticed, bugs = [], []
    for path in files:
        original = path.read_bytes()
        for offset in sorted({0, len(original) // 2, len(original) - 1}):
            damaged = bytearray(original)
            damaged[offset] ^= 0x01
            with replaced(path, bytes(damaged)):
                checks = run(pack)
            name = f"{path.relative_to(pack.root)}@{offset}"
            if not [c for c in checks if c.status == FAIL]:
                unnoticed.append(name)
            bugs.extend(f"{name}: {c.detail}" for c in checks if BUG in c.detail)
    assert unnoticed == [] and bugs == []


@pytest.mark.parametrize(
    ("relative", "content"),
    [
        ("allowed_signers", b""),
        ("allowed_signers", b"reclaim-locker\n"),
        ("exhibits.json", b"[1, 2]\n"),
        ("exhibits.json", b'[{"kind": "capture"}]\n'),
        ("exhibits.json", b"\xff\xfe not text"),
        ("custody/custody.jsonl", b""),
        ("custody/custody.jsonl", b'{"seq": "zero"}\n'),
        ("manifest-sha256.txt", b"no two spaces here\n"),
        ("tagmanifest-sha256.txt", b"0" * 64 + b"  /dev/zero\n"),
        ("tagmanifest-sha256.txt", b"0" * 64 + b"  ../../etc/passwd\n"),
        ("tagmanifest-sha256.txt.sig", b"-----BEGIN SSH SIGNATURE-----\n\n"),
        ("bagit.txt", b"\x80"),
        (TOKEN, b""),
        (TOKEN, b"\x30\x00"),
        ("timestamps/authorities.txt", b"tsa-1.tsr\n"),
        ("timestamps/pending.txt", b"tsa-9.tsr  http://x  00\n"),
    ],
)
def test_malformed_files_give_fail_lines_and_the_whole_report(
    pack: Pack, relative: str, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    with replaced(pack.root / relative, content):
        status = main(["verify", str(pack.root), "--tsa-root", str(pack.tsa_root)])
    out = capsys.readouterr().out
    assert status == 1 and "\nFAIL  " in "\n" + out and BUG not in out
    assert out.count("\n") >= 9  # every check reported, not only the first failure


def test_a_file_planted_anywhere_in_the_payload_fails(pack: Pack) -> None:
    planted = pack.root / "data/planted.txt"
    planted.write_text("not from the locker\n")
    try:
        checks = {check.name: check for check in run(pack)}
    finally:
        planted.unlink()
    assert checks["exhibits"].status == FAIL and "data/planted.txt" in checks["exhibits"].detail
