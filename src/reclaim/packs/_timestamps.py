"""A pack's trusted timestamps: asked for at export, completed later, checked by verify.

Before the tag manifest is signed, export lists in timestamps/authorities.txt (covered by the
tag manifest, so signed) each token the pack is to carry and the authority asked. After
signing, each token over the tag manifest is written as tsa-N.tsr, or waits in pending.txt
until `reclaim timestamp PACK` completes it; a token obtained later covers the same signed tag
manifest, so nothing signed changes. custody-S.tsr are the locker's timestamps of its custody
log, recorded by custody entry S and copied in before signing. Verification finds a removed
token (a downgrade), an edited list, and any file of timestamps/ that nothing accounts for.
"""

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from reclaim.errors import ReclaimError
from reclaim.locker import CustodyEntry, Locker, LogStamp
from reclaim.packs._check import (
    FAIL,
    WARN,
    Check,
    CheckFailedError,
    pack_file,
    read_text,
    run_check,
)
from reclaim.packs._layout import (
    CUSTODY_LOG,
    PENDING,
    REQUESTED,
    TAG_MANIFEST,
    TIMESTAMPS_FOLDER,
    parse_manifest,
)
from reclaim.signing.timestamps import (
    TimestampUnavailableError,
    load_chain,
    load_roots,
    request_token,
    verify_token,
)

_TOKEN = re.compile(r"tsa-[1-9][0-9]{0,2}\.tsr")
_PENDING_LINE = re.compile(r"(tsa-[1-9][0-9]{0,2}\.tsr)  (https?://\S+)  ([0-9a-f]{64})")
_BY_HAND = (
    "openssl ts -verify -data {data} -in {token} -CAfile AUTHORITY-ROOT.pem "
    "-untrusted AUTHORITY-CHAIN.pem"
)


@dataclass(frozen=True)
class Trust:
    """The roots a person trusts for timestamps: the system's plus those they named."""

    roots: list[x509.Certificate]
    named: list[x509.Certificate]
    chain: list[x509.Certificate]


def load_trust(roots: Sequence[Path] = (), chain: Sequence[Path] = ()) -> Trust:
    """Return the system's trust store plus the roots and intermediates in these PEM files."""
    named = load_roots(roots, system=False)
    return Trust([*named, *load_roots()], named, load_chain(chain))


def write_log_head_tokens(box: Locker, root: Path, kept: Collection[int] | None) -> list[str]:
    """Copy the locker's custody-log timestamps into the pack; return their relative paths.

    ``kept`` are the custody entries the pack carries (None: all of them).
    """
    written = []
    for entry in box.custody():
        if entry.action != "log-head-timestamped" or (kept is not None and entry.seq not in kept):
            continue
        details = entry.details
        stamp = LogStamp(str(details["authority"]), int(details["seq"]), str(details["time"]))
        relative = f"{TIMESTAMPS_FOLDER}/custody-{entry.seq}.tsr"
        try:
            token = box.timestamp_token(stamp)
        except (ReclaimError, OSError):
            continue  # a damaged token must not stop the export; verify reports it missing
        (root / TIMESTAMPS_FOLDER).mkdir(exist_ok=True)
        (root / relative).write_bytes(token)
        written.append(relative)
    return written


def write_requests(root: Path, authorities: Sequence[str]) -> list[str]:
    """List the tokens the pack is to carry (before signing); return the list's path, if any."""
    if not authorities:
        return []
    (root / TIMESTAMPS_FOLDER).mkdir(exist_ok=True)
    lines = [f"tsa-{n}.tsr  {authority}\n" for n, authority in enumerate(authorities, 1)]
    (root / REQUESTED).write_text("".join(lines), encoding="utf-8")
    return [REQUESTED]


def complete_timestamps(root: Path, authorities: Sequence[str] = ()) -> list[str]:
    """Ask for each token the pack lacks; return a line per token obtained or still pending.

    Each missing token is asked of the authority listed for it, or of ``authorities`` in
    turn if given. Those no authority answers stay in pending.txt.
    """
    tag_manifest = (root / TAG_MANIFEST).read_bytes()
    digest = hashlib.sha256(tag_manifest).hexdigest()
    folder = root / TIMESTAMPS_FOLDER
    report, pending = [], []
    for name, listed in _requested(root).items():
        if (folder / name).exists():
            continue
        answer = _ask(tuple(authorities) or (listed,), tag_manifest)
        if answer is None:
            pending.append(f"{name}  {listed}  {digest}\n")
            report.append(f"{name}: still pending ({listed} could not be reached)")
            continue
        (folder / name).write_bytes(answer[1])
        report.append(f"{name}: {answer[0]} timestamped the tag manifest at {answer[2]}")
    _write_pending(folder, pending)
    return report


def _ask(authorities: Sequence[str], data: bytes) -> tuple[str, bytes, str] | None:
    for authority in authorities:
        try:
            token = request_token(authority, data)
        except TimestampUnavailableError:
            continue
        return authority, token.response, token.time
    return None


def _write_pending(folder: Path, lines: list[str]) -> None:
    if lines:
        (folder / PENDING).write_text("".join(lines), encoding="utf-8")
    else:
        (folder / PENDING).unlink(missing_ok=True)


def timestamp_checks(root: Path, context: dict[str, object]) -> list[Check]:
    """Return a check of every timestamp the pack carries or should carry."""
    listing = run_check("timestamps folder", "", lambda: _check_folder(root))
    if listing.status == FAIL:
        return [listing]
    requested, pending = _requested(root), _pending(root)
    trust = context_trust(context)
    results: list[Check | None] = [
        _check_pack_token(root, name, url, name in pending, trust)
        for name, url in requested.items()
    ]
    entries = context.get("entries")
    if isinstance(entries, list):
        results.extend(_check_log_head(root, entry, entries, trust) for entry in entries)
    if not requested:
        results.append(Check(WARN, "timestamps", "no trusted timestamp of this pack"))
    return [listing, *[r for r in results if r is not None]]


def context_trust(context: dict[str, object]) -> Trust | str:
    """Return the timestamp roots to check against (loaded once per pack), or why they cannot
    be read: for every check of a token in ``verify_pack``."""
    trust = context.get("trust")
    if isinstance(trust, Trust | str):
        return trust
    roots = cast("Sequence[Path]", context.get("tsa_roots", ()))  # set by verify_pack
    chain = cast("Sequence[Path]", context.get("tsa_chain", ()))
    try:
        context["trust"] = load_trust(roots, chain)
    except ReclaimError as error:
        context["trust"] = f"the timestamp roots cannot be read: {error}"
    return context_trust(context)


def _check_folder(root: Path) -> str:
    """Every file of timestamps/ is signed, a listed token, or a well-formed pending.txt."""
    folder = root / TIMESTAMPS_FOLDER
    requested, pending = _requested(root), _pending(root)
    covered = _tag_covered(root)
    allowed = covered | {f"{TIMESTAMPS_FOLDER}/{n}" for n in requested}
    allowed.add(f"{TIMESTAMPS_FOLDER}/{PENDING}")
    present = (
        {p.relative_to(root).as_posix() for p in folder.rglob("*")} if folder.is_dir() else set()
    )
    for path in sorted(present - allowed):
        if not (root / path).is_dir() or (root / path).is_symlink():
            raise CheckFailedError(f"{path} is neither signed nor a listed timestamp")
    if not requested:
        return "the pack was made without a timestamp of its own"
    return f"the pack was made to carry {len(requested)} timestamps ({len(pending)} pending)"


def _tag_covered(root: Path) -> set[str]:
    return {path for _, path in parse_manifest(read_text(root, TAG_MANIFEST))}


def _requested(root: Path) -> dict[str, str]:
    """Return token name -> authority URL from the signed list (empty if none was asked)."""
    if REQUESTED not in _tag_covered(root):
        if (root / REQUESTED).exists():
            raise CheckFailedError(f"{REQUESTED} is not covered by the signed tag manifest")
        return {}
    if not (root / REQUESTED).exists():
        raise CheckFailedError(
            f"the pack was made with timestamps (its signed tag manifest lists {REQUESTED}), "
            "and they were removed"
        )
    requested = {}
    for number, line in enumerate(_lines(root, REQUESTED), 1):
        name, separator, url = line.partition("  ")
        if name != f"tsa-{number}.tsr" or not separator or not re.fullmatch(r"https?://\S+", url):
            raise CheckFailedError(f"{REQUESTED} line {number} is malformed")
        requested[name] = url
    return requested


def _pending(root: Path) -> set[str]:
    """Return the names of tokens still pending; refuse a pending.txt that does not agree."""
    relative = f"{TIMESTAMPS_FOLDER}/{PENDING}"
    if not (root / relative).exists():
        return set()
    requested = _requested(root)
    digest = hashlib.sha256(pack_file(root, TAG_MANIFEST).read_bytes()).hexdigest()
    names = set()
    for line in _lines(root, relative):
        match = _PENDING_LINE.fullmatch(line)
        if match is None or requested.get(match[1]) != match[2] or match[3] != digest:
            raise CheckFailedError(f"{relative} names a timestamp this pack did not ask for")
        if (root / TIMESTAMPS_FOLDER / match[1]).exists():
            raise CheckFailedError(f"{relative} calls {match[1]} pending, but it is here")
        names.add(match[1])
    return names


def _lines(root: Path, relative: str) -> list[str]:
    text = read_text(root, relative)
    if not text.endswith("\n"):
        raise CheckFailedError(f"{relative} does not end with a whole line")
    return text[:-1].split("\n")


def _check_pack_token(root: Path, name: str, url: str, pending: bool, trust: Trust | str) -> Check:
    relative = f"{TIMESTAMPS_FOLDER}/{name}"
    check = f"timestamp {relative}"
    by_hand = _BY_HAND.format(data=TAG_MANIFEST, token=relative)
    if not (root / relative).exists():
        if pending:
            detail = f"pending: {url} could not be reached; `reclaim timestamp PACK` asks again"
            return Check(WARN, check, detail, by_hand)
        detail = f"the pack was made with a timestamp from {url}, and the token was removed"
        return Check(FAIL, check, detail, by_hand)
    return run_check(
        check, by_hand, lambda: _token_detail(root, relative, TAG_MANIFEST, None, trust)
    )


def _check_log_head(
    root: Path, entry: CustodyEntry, entries: list[CustodyEntry], trust: Trust | str
) -> Check | None:
    """A custody entry recording a timestamp of the log: the pack must carry that token."""
    if entry.action != "log-head-timestamped":
        return None
    relative = f"{TIMESTAMPS_FOLDER}/custody-{entry.seq}.tsr"
    seq = str(entry.details.get("seq", ""))
    line = int(seq) + 1 if seq.isdigit() else "N"
    by_hand = f"sed -n '{line}p' {CUSTODY_LOG} | tr -d '\\n' > entry.txt; " + _BY_HAND.format(
        data="entry.txt", token=relative
    )

    def check() -> str:
        if not (root / relative).exists():
            raise CheckFailedError(
                f"custody entry {entry.seq} records a timestamp of the log by "
                f"{entry.details.get('authority')}, and the pack does not carry its token"
            )
        if not seq.isdigit() or int(seq) >= entry.seq:
            raise CheckFailedError(f"custody entry {entry.seq} names no earlier entry")
        stamped = next((e for e in entries if e.seq == int(seq)), None)
        if stamped is None:
            raise CheckFailedError(f"custody entry {entry.seq} names an entry the pack lacks")
        return _token_detail(root, relative, "", (stamped, entry.details.get("time")), trust)

    return run_check(f"timestamp {relative}", by_hand, check)


def _token_detail(
    root: Path,
    relative: str,
    data_file: str,
    log_entry: tuple[CustodyEntry, str | None] | None,
    trust: Trust | str,
) -> str:
    """Return what a token proves, in words; raise if it proves nothing here."""
    if isinstance(trust, str):
        raise CheckFailedError(trust)
    data = log_entry[0].line() if log_entry else pack_file(root, data_file).read_bytes()
    result = verify_token(pack_file(root, relative).read_bytes(), data, trust.roots, trust.chain)
    if log_entry and result.time.isoformat() != log_entry[1]:
        raise CheckFailedError("the token states another time than the custody log records")
    what = f"the custody log up to entry {log_entry[0].seq}" if log_entry else "the tag manifest"
    named = any(r.fingerprint(hashes.SHA256()).hex() == result.root_sha256 for r in trust.named)
    source = "a root you named" if named else "the system's trust store"
    return (
        f"{what} existed no later than {result.time:%Y-%m-%d %H:%M:%S} UTC, says "
        f"{result.authority} (serial {result.serial}, policy {result.policy}), "
        f"trusted through {result.root} from {source}"
    )
