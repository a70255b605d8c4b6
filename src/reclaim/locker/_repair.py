"""`reclaim locker check` and `repair`: find every problem; rebuild the log from what is sealed.

Records carry their item's digests and size and are sealed with the master key, and each blob
is sealed with its item's key: an item whose record unseals and whose blob unseals to those
digests is whole, whatever became of the custody log. Repair keeps the part of the old log
that is intact and chained, adds an entry saying what was repaired and why, then one entry per
item, incident or removal request recovered (saying from which files), all signed by the
locker's own key. The old log is kept beside the new one; nothing is deleted.
"""

import base64
import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reclaim.files import FolderLock, sync_folder, write_atomically
from reclaim.locker._custody import GENESIS, CustodyEntry, CustodyError, verify_chain
from reclaim.locker._errors import CorruptLockerError
from reclaim.locker._head import head_faults, stale_tokens, timestamp_faults
from reclaim.locker._header import read_header
from reclaim.locker._locker import Locker
from reclaim.locker._log import LOG, LogScan, scan_log
from reclaim.locker._quarantine import quarantine, quarantined, unnamed
from reclaim.locker._stream import SealError, unseal, unseal_bytes


@dataclass
class CheckReport:
    """What ``check_locker`` found: problems (each one sentence) and notes that are not."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_locker(root: Path, passphrase: str) -> CheckReport:
    """Return every problem of the locker at ``root``; change nothing on disk."""
    header = read_header(root)
    master = header.master_key(root, "passphrase", passphrase.encode())
    data = (root / LOG).read_bytes() if (root / LOG).exists() else b""
    scan = scan_log(data, master)
    report = CheckReport(problems=list(scan.faults))
    if scan.torn:
        report.notes.append("the custody log ends in an unfinished write (a crash)")
    box = Locker._viewing(root, master, header, scan.entries)
    report.problems += _log_problems(root, master, box, scan)
    report.problems += [f"{d.kind} {d.id}: {d.reason}" for d in box.damaged()]
    report.problems += _blob_problems(box) + _file_problems(root, box)
    return report


def _file_problems(root: Path, box: Locker) -> list[str]:
    """Say which files no entry names, and what waits in quarantine."""
    return [
        f"{path.relative_to(root)} is named by no custody entry (the next change moves it to "
        "quarantine)"
        for path in unnamed(root, box.named_files())
    ] + [
        f"{path.relative_to(root)} is in quarantine: look at it; Reclaim never deletes it"
        for path in quarantined(root)
    ]


def _log_problems(root: Path, master: bytes, box: Locker, scan: LogScan) -> list[str]:
    problems = []
    if not scan.entries and not scan.faults:
        problems.append("the custody log is empty")
    if scan.faults:  # the chain breaks there and the log falls short of its head: said once
        return problems
    try:
        verify_chain(scan.entries, box.public_key())
    except CustodyError as error:
        problems.append(str(error))
    try:
        problems += head_faults(root, master, scan.entries)
    except CorruptLockerError as error:
        problems.append(str(error).split(". Nothing")[0])
    return problems + timestamp_faults(root, master, scan.entries)


def _blob_problems(box: Locker) -> list[str]:
    """Unseal every readable item in full and compare it with its digests."""
    problems = []
    for item in box.items():
        if item.damaged:
            continue
        digest = hashlib.sha256()
        try:
            for piece in box.read(item.id):
                digest.update(piece)
        except (CorruptLockerError, OSError) as error:
            problems.append(f"item {item.id} ({item.name}): {error}")
            continue
        if digest.hexdigest() != item.sha256:
            problems.append(f"item {item.id} ({item.name}) does not match its SHA-256")
    return problems


def repair_locker(root: Path, passphrase: str) -> list[str]:
    """Rebuild the custody log of the locker at ``root`` from what is sealed; say what was done.

    Nothing is deleted: the old log is kept beside the new one, and files that cannot be
    recovered stay where they are (or go to quarantine).
    """
    header = read_header(root)
    master = header.master_key(root, "passphrase", passphrase.encode())
    with FolderLock(root):
        data = (root / LOG).read_bytes() if (root / LOG).exists() else b""
        scan = scan_log(data, master)
        kept = _chained(scan.entries[: scan.prefix], header.signing(master).public_key())
        box = Locker._viewing(root, master, header, kept)
        reasons = _reasons(root, master, scan, kept)
        found = _Recovered(box, scan.entries[len(kept) :])
        if not reasons and not found.entries:
            said = ["the custody log is whole: nothing to rebuild"]
        else:
            said = _rewrite(root, box, data, kept, reasons, found)
    repaired = Locker(root, master, header)
    moved = repaired.tidy()
    return (
        said
        + [f"moved to quarantine: {path.relative_to(root)}" for path in moved]
        + [f"still damaged, cannot be rebuilt: {d.kind} {d.id}" for d in repaired.damaged()]
    )


def _chained(entries: list[CustodyEntry], public: Ed25519PublicKey) -> list[CustodyEntry]:
    """Return the leading entries that are signed and each chained to the one before."""
    kept: list[CustodyEntry] = []
    for entry in entries:
        expected = kept[-1].digest() if kept else GENESIS
        if entry.prev != expected or entry.seq != len(kept):
            break
        try:
            public.verify(bytes.fromhex(entry.signature), entry.unsigned_bytes())
        except (InvalidSignature, ValueError):
            break
        kept.append(entry)
    return kept


def _reasons(root: Path, master: bytes, scan: LogScan, kept: list[CustodyEntry]) -> list[str]:
    reasons = list(scan.faults)
    if len(kept) < scan.prefix:
        reasons.append(f"custody entry {len(kept)} does not follow the one before it")
    if not scan.entries and not scan.faults:
        reasons.append("the custody log was empty")
    if reasons:  # the log falls short of its head because of these: said once
        return reasons
    try:
        reasons += head_faults(root, master, kept)
    except CorruptLockerError:
        reasons.append("the sealed head was damaged")
    return reasons + timestamp_faults(root, master, kept)


_TOMBSTONE = ("sha256", "sha512", "size", "reason")


class _Recovered:
    """What the files hold that the kept entries do not name, and what could not be read."""

    def __init__(self, box: Locker, unkept: list[CustodyEntry]) -> None:
        self.box = box
        self.entries: list[tuple[str, str, dict[str, str]]] = []  # action, id, details
        self.unreadable: list[str] = []
        named = box.named_files()
        self._tombstones(unkept)
        deleted = {str(e.item) for e in [*box.custody(), *unkept] if e.action == "item-deleted"}
        for path in _files(box.root / "records"):
            if path.name not in named["records"] and path.name not in deleted:
                self._item(path)
        for folder, action, aad in (
            ("incidents", "incident-added", "incident"),
            ("requests", "request-added", "request"),
            ("referrals", "referral-shared", "referral"),
        ):
            for path in _files(box.root / folder):
                if path.name not in named[folder]:
                    self._other(path, action, aad)

    def _tombstones(self, unkept: list[CustodyEntry]) -> None:
        """Keep the deletions that readable entries past the damage record: they stand."""
        for entry in unkept:
            if entry.action == "item-deleted":
                kept = {k: v for k, v in entry.details.items() if k in _TOMBSTONE}
                source = f"entry {entry.seq} of the old log ({entry.at_utc})"
                self.entries.append(
                    ("item-deleted", str(entry.item), {**kept, "recovered_from": source})
                )

    def _item(self, path: Path) -> None:
        master = self.box.session_key()
        try:
            record = json.loads(
                unseal_bytes(master, f"record:{path.name}".encode(), path.read_bytes())
            )
            blob = path.parent.parent / "blobs" / str(record["blob"])
            key = unseal_bytes(master, f"item-key:{path.name}".encode(), _b64(record["item_key"]))
            digests = _digests(key, str(record["blob"]), blob)
        except (OSError, SealError, ValueError, KeyError, TypeError) as error:
            self.unreadable.append(f"records/{path.name} could not be recovered: {error}")
            return
        wanted = {k: str(record[k]) for k in ("sha256", "sha512", "size")}
        if digests != wanted:
            self.unreadable.append(f"records/{path.name}: its blob does not match its digests")
            return
        source = f"records/{path.name} and blobs/{record['blob']}"
        self.entries.append(("item-added", path.name, {**wanted, "recovered_from": source}))

    def _other(self, path: Path, action: str, aad: str) -> None:
        try:
            unseal_bytes(self.box.session_key(), f"{aad}:{path.name}".encode(), path.read_bytes())
        except (OSError, SealError) as error:
            self.unreadable.append(
                f"{path.parent.name}/{path.name} could not be recovered: {error}"
            )
            return
        folder = path.parent.name
        self.entries.append((action, path.name, {"recovered_from": f"{folder}/{path.name}"}))


def _rewrite(
    root: Path,
    box: Locker,
    data: bytes,
    kept: list[CustodyEntry],
    reasons: list[str],
    found: _Recovered,
) -> list[str]:
    """Write the new log: the kept entries, the repair, what was recovered; say what was done."""
    old = _keep_old_log(root)
    # Tokens over entries of the old log prove those existed: kept aside, before the new log.
    moved = quarantine(root, stale_tokens(root, box.session_key(), kept))
    whole = b"".join(line + b"\n" for line in data.split(b"\n")[: len(kept)])
    write_atomically(root / LOG, whole)  # a crash now: the head refuses it; repair again
    box.restart_log(kept, len(whole))
    details = _repair_details(reasons, old, data, kept, found)
    # A log rebuilt from nothing starts here: state the key, as "locker-created" does.
    details["key"] = box.key_fingerprint()
    box.append_entry("log-repaired", None, details)
    for action, item, more in found.entries:
        box.append_entry(action, item, more)
    return (
        [f"the old custody log is kept as {old.name}", f"kept {len(kept)} entries of it"]
        + [f"why: {reason}" for reason in reasons]
        + [
            f"recorded: {action} {item}, from {more['recovered_from']}"
            for action, item, more in found.entries
        ]
        + found.unreadable
        + [f"moved to quarantine (it timestamps the old log): {p.relative_to(root)}" for p in moved]
    )


def _keep_old_log(root: Path) -> Path:
    """Give the log a second name, so it stays byte for byte when the new one replaces it."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    old = root / f"{LOG}.before-repair-{stamp}"
    if (root / LOG).exists():
        os.link(root / LOG, old)
        sync_folder(root)
    return old


def _repair_details(
    reasons: list[str], old: Path, data: bytes, kept: list[CustodyEntry], found: _Recovered
) -> dict[str, str]:
    """Return what the repair entry records: why, the old log, what was kept and recovered."""
    return {
        "reason": "; ".join(reasons) or "files no custody entry named",
        "old_log": old.name,
        "old_log_sha256": hashlib.sha256(data).hexdigest(),
        "entries_kept": str(len(kept)),
        "recovered": str(len(found.entries)),
    }


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    paths = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(paths, key=lambda p: (p.stat().st_mtime, p.name))


def _b64(text: object) -> bytes:
    return base64.b64decode(str(text))


def _digests(key: bytes, blob_id: str, path: Path) -> dict[str, str]:
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    with path.open("rb") as sealed:
        for piece in unseal(key, blob_id.encode(), sealed):
            sha256.update(piece)
            sha512.update(piece)
            size += len(piece)
    return {"sha256": sha256.hexdigest(), "sha512": sha512.hexdigest(), "size": str(size)}
