"""Export a case from the locker as an evidence pack anyone can check with common tools.

A pack is a BagIt bag (so `sha256sum -c manifest-sha256.txt` works in it) whose tag manifest
is signed in SSH format (`ssh-keygen -Y verify`), with the custody log, the public key, a
readable report and VERIFY.md for someone with no forensic background.
"""

import datetime
import hashlib
import json
import re
import shutil
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reclaim import __version__, times
from reclaim.errors import ReclaimError
from reclaim.files import PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, open_private
from reclaim.locker import CorruptLockerError, EvidenceItem, Incident, Locker, scratch_folder
from reclaim.packs._anchors import key_anchor_words, write_anchors
from reclaim.packs._layout import (
    ALLOWED_SIGNERS,
    CUSTODY_LOG,
    EXHIBITS,
    EXHIBITS_FOLDER,
    INCIDENTS,
    PUBLIC_KEY,
    SIGNATURE,
    SIGNER_IDENTITY,
    SIGNING_NAMESPACE,
    TAG_MANIFEST,
    manifest_line,
)
from reclaim.packs._report import Exhibit, Report, build_report, render_html
from reclaim.packs._timestamps import complete_timestamps, write_log_head_tokens, write_requests
from reclaim.packs._withhold import kept_entries, pack_log
from reclaim.signing.sshsig import fingerprint, openssh_public_key, spoken_fingerprint

VERIFY_TEMPLATE = Path(__file__).with_name("VERIFY.md")
# The key again as PEM, for `openssl pkeyutl -verify`, and the custody check script that
# VERIFY.md prints in full (the file is cut from VERIFY.md, so the two cannot differ).
PUBLIC_KEY_PEM = "custody/locker_ed25519.pem"
CUSTODY_SCRIPT = "check_custody.py"
DAMAGE_NOTE = "DAMAGE.txt"
DAMAGE_HEADING = (
    "These were in the locker but damaged there, so they are not in this pack.\n"
    "What the custody log records of each (when added, its SHA-256) is given.\n\n"
)


class PackReason(StrEnum):
    """Why a pack could not be written, in a form that does not change with the wording."""

    NOTHING = "nothing"  # nothing chosen, or nothing that is not damaged
    CHOICE = "choice"  # an incident or a date range that does not fit the locker
    EXISTS = "exists"  # the destination is already there
    INITIALS = "initials"  # the exporter's initials are not one to four capitals
    RECIPIENT = "recipient"  # not an age recipient
    FAILED = "failed"  # anything else


class PackError(ReclaimError):
    """A pack cannot be written: the destination exists, or there is nothing to export.

    The message is English detail; ``reason`` lets an interface say it in its own words.
    """

    def __init__(self, message: str, reason: PackReason = PackReason.FAILED) -> None:
        super().__init__(message)
        self.reason = reason


def export_pack(
    box: Locker,
    destination: Path,
    initials: str,
    title: str,
    item_ids: list[str] | None = None,
    authorities: tuple[str, ...] = (),
    scope: str = "",
    incident_ids: list[str] | None = None,
    time_zone: str = "",
) -> Path:
    """Write a pack of the chosen items and incidents (all by default) to ``destination``.

    Return the pack's path. A pack of part of the case holds the chosen incidents (with or
    without files) and those of its items, and withholds the custody entries about the rest.
    ``scope`` says in words which part of the case was chosen, for the report.
    Each of ``authorities`` (RFC 3161 URLs) is asked to timestamp the tag manifest; one that
    cannot be reached is listed in timestamps/pending.txt ("timestamp pending"). The list of
    timestamps asked for, and the locker's timestamps of its custody log, are signed.
    The report and the other files written for people show times in ``time_zone``, the
    exporter's (default: the RECLAIM_TIME_ZONE setting's); exhibits.json and the custody log
    keep ISO 8601.
    """
    if destination.exists():
        raise PackError(
            f"{destination} already exists: choose a new folder for the pack", PackReason.EXISTS
        )
    if not re.fullmatch(r"[A-Z]{1,4}", initials):
        raise PackError("initials are one to four capital letters, such as JS", PackReason.INITIALS)
    zone = times.zone(time_zone or times.default_zone()).key
    box.verify_custody()  # what leaves the locker is checked whole, never from memory
    whole_case = item_ids is None and incident_ids is None
    chosen = [item for item in box.items() if _chosen(item, item_ids, incident_ids)]
    damage = [_damaged(item, item.damaged, zone) for item in chosen if item.damaged]
    incidents = _incidents(box, whole_case, incident_ids or [], chosen)
    if not incidents and not any(not item.damaged for item in chosen):
        nothing = "there is nothing to export" + (" that is not damaged" if chosen else "")
        raise PackError(nothing, PackReason.NOTHING)
    _remove_legacy_partial(destination)
    # Exhibits are decrypted here: a private scratch folder, removed if anything goes wrong
    # and, if this process is killed, by the next export into the same folder.
    with scratch_folder(destination.parent, destination.name) as scratch:
        partial = scratch.path
        (partial / EXHIBITS_FOLDER).mkdir(mode=PRIVATE_FOLDER_MODE, parents=True)
        exhibits: list[Exhibit] = []
        for item in (item for item in chosen if not item.damaged):
            try:
                exhibits.append(_write_exhibit(box, partial, item, initials, len(exhibits) + 1))
            except CorruptLockerError as error:  # found damaged only now, reading it: go on
                damage.append(_damaged(item, str(error), zone))
        if whole_case:
            damage += [
                f"{d.kind} {d.id} (added {times.english(d.added_utc, zone)})"
                for d in box.damaged()
                if d.kind != "item"
            ]
        covers = scope or ("the whole case" if whole_case else "the chosen items")
        if damage:  # said in the report itself, and listed in full in DAMAGE.txt
            covers += f"\nNot included, damaged in the locker: {len(damage)} (see {DAMAGE_NOTE})"
        requests = _requests(box, whole_case, incidents)
        kept = None if whole_case else _kept(box, exhibits, incidents, requests)
        signed = write_log_head_tokens(box, partial, kept) + write_requests(partial, authorities)
        contents = _Contents(exhibits, incidents, kept, requests, zone)
        _write_tag_files(box, partial, contents, title, covers, damage, signed)
        tag_manifest = (partial / TAG_MANIFEST).read_bytes()
        (partial / SIGNATURE).write_text(box.ssh_sign(SIGNING_NAMESPACE, tag_manifest))
        complete_timestamps(partial)  # over the signed tag manifest; unreachable ones wait
        _make_private(partial)
        scratch.keep_as(destination)
    box.record_export({"exhibits": str(len(exhibits)), "tagmanifest_sha256": _sha256(tag_manifest)})
    return destination


def _chosen(item: EvidenceItem, item_ids: list[str] | None, incident_ids: list[str] | None) -> bool:
    if item_ids is not None:
        return item.id in item_ids
    return incident_ids is None or item.incident in incident_ids


def _incidents(
    box: Locker, whole_case: bool, incident_ids: list[str], chosen: list[EvidenceItem]
) -> list[Incident]:
    """Return the pack's incidents: all, or the chosen ones and those its items belong to."""
    linked = {*incident_ids, *(item.incident for item in chosen)}
    return [i for i in box.incidents() if whole_case or i.id in linked]


def _requests(box: Locker, whole_case: bool, incidents: list[Incident]) -> list[dict[str, object]]:
    """Return the removal requests the pack covers: all, or those of its incidents."""
    ids = {incident.id for incident in incidents}
    return [r for r in box.request_records() if whole_case or r.get("incident_id") in ids]


def _kept(
    box: Locker,
    exhibits: list[Exhibit],
    incidents: list[Incident],
    requests: list[dict[str, object]],
) -> set[int]:
    """Return the custody entries a pack of part of the case carries (see _withhold)."""
    items = [exhibit.item for exhibit in exhibits]
    named = [incident.id for incident in incidents] + [str(r.get("id")) for r in requests]
    return kept_entries(box.custody(), items, named)


@dataclass(frozen=True)
class _Contents:
    """What a pack holds: exhibits, incidents, custody entries (None: all), removal requests,
    and the zone its readable files show times in."""

    exhibits: list[Exhibit]
    incidents: list[Incident]
    kept: set[int] | None
    requests: list[dict[str, object]]
    time_zone: str  # the exporter's: the times people read are shown in it


def _damaged(item: EvidenceItem, reason: str, zone: str) -> str:
    """Return one line of DAMAGE.txt: what the custody log knows of a damaged item."""
    added = times.english(item.added_utc, zone)
    return f"item {item.id} (added {added}, sha256 {item.sha256 or 'unknown'}): {reason}"


def _write_exhibit(box: Locker, root: Path, item: EvidenceItem, initials: str, n: int) -> Exhibit:
    number = f"{initials}-{n}"  # as the file name starts: a slash cannot be in a file name
    safe = re.sub(r"[^\w.-]+", "_", item.name, flags=re.UNICODE).strip("._") or "item"
    relative = f"{EXHIBITS_FOLDER}/{number}_{safe}"
    try:
        with open_private(root / relative) as file:
            for piece in box.read(item.id):
                file.write(piece)
    except CorruptLockerError:
        (root / relative).unlink(missing_ok=True)
        raise
    return Exhibit(
        number,
        relative,
        item.name,
        item.media_type,
        item.size,
        item.sha256,
        item.sha512,
        item.id,
        item.added_utc,
        item.kind,
        dict(item.details),
        item.incident,
        item.note,
    )


def _write_tag_files(
    box: Locker,
    root: Path,
    contents: _Contents,
    title: str,
    scope: str,
    damage: list[str],
    written: list[str],
) -> None:
    key = box.public_key()
    exhibits, incidents, kept = contents.exhibits, contents.incidents, contents.kept
    custody = [entry for entry in box.custody() if kept is None or entry.seq in kept]
    withheld = len(box.custody()) - len(custody)
    report = build_report(
        title,
        fingerprint(key),
        scope,
        incidents,
        exhibits,
        custody,
        withheld,
        contents.requests,
        contents.time_zone,
    )
    payload_bytes = sum(exhibit.size for exhibit in exhibits)
    files = {
        "bagit.txt": "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": (
            f"Source-Organization: Reclaim\nBagging-Date: {datetime.date.today().isoformat()}\n"
            f"Bag-Software-Agent: reclaim {__version__}\n"
            f"External-Description: {' '.join(title.split())}\n"
            f"Payload-Oxum: {payload_bytes}.{len(exhibits)}\n"
        ),
        "manifest-sha256.txt": "".join(manifest_line(e.sha256, e.file) for e in exhibits),
        "manifest-sha512.txt": "".join(manifest_line(e.sha512, e.file) for e in exhibits),
        EXHIBITS: json.dumps([asdict(e) for e in exhibits], indent=2, ensure_ascii=False) + "\n",
        INCIDENTS: json.dumps([asdict(i) for i in incidents], indent=2, ensure_ascii=False) + "\n",
        CUSTODY_LOG: pack_log(box.custody(), kept),
        PUBLIC_KEY: openssh_public_key(key, SIGNER_IDENTITY) + "\n",
        ALLOWED_SIGNERS: (
            f'{SIGNER_IDENTITY} namespaces="{SIGNING_NAMESPACE}" '
            f"{openssh_public_key(key, '').strip()}\n"
        ),
        "report.html": render_html(report),
        "VERIFY.md": VERIFY_TEMPLATE.read_text()
        .replace("{fingerprint}", fingerprint(key))
        .replace("{spoken_fingerprint}", spoken_fingerprint(key))
        .replace("{key_anchors}", key_anchor_words(box, contents.time_zone)),
        **_hand_check_files(key),
    }
    if damage:
        files[DAMAGE_NOTE] = DAMAGE_HEADING + "".join(f"- {line}\n" for line in damage)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    write_pdf(root / "report.pdf", report)
    tagged = sorted([*files, "report.pdf", *written, *write_anchors(box, root, exhibits)])
    (root / TAG_MANIFEST).write_text(
        "".join(manifest_line(_sha256((root / name).read_bytes()), name) for name in tagged)
    )


def write_pdf(path: Path, report: Report) -> None:
    """Write the report as PDF (reclaim.packs._pdf).

    Imported here, when a pack is written: fpdf2 and its fonts take about half a second to
    import, which every process that imports the site's pages (`reclaim serve`, the worker,
    `manage.py check`) would otherwise pay at start.
    """
    from reclaim.packs._pdf import write_pdf as write

    write(path, report)


def _hand_check_files(key: Ed25519PublicKey) -> dict[str, str]:
    """Return the PEM key and the custody script that step 4 of VERIFY.md uses."""
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    return {PUBLIC_KEY_PEM: pem, CUSTODY_SCRIPT: printed_script(VERIFY_TEMPLATE.read_text())}


def printed_script(verify_text: str) -> str:
    """Return the Python script printed in VERIFY.md (its one ```python block)."""
    found = re.search(r"^```python\n(.*?)^```$", verify_text, flags=re.M | re.S)
    if found is None:
        raise PackError("VERIFY.md has lost its custody check script")
    return found.group(1)


def _make_private(root: Path) -> None:
    """Make every file of the pack readable by its owner alone, every folder 0700."""
    for path in root.rglob("*"):
        path.chmod(PRIVATE_FOLDER_MODE if path.is_dir() else PRIVATE_FILE_MODE)


def _remove_legacy_partial(destination: Path) -> None:
    """Remove the DEST.partial folder of decrypted exhibits an earlier version may have left."""
    legacy = destination.with_name(destination.name + ".partial")
    if not legacy.is_symlink() and (legacy / EXHIBITS_FOLDER).is_dir():
        shutil.rmtree(legacy, ignore_errors=True)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
