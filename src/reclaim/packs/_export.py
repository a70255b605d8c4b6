"""Export a case from the locker as an evidence pack anyone can check with common tools.

A pack is a BagIt bag (so `sha256sum -c manifest-sha256.txt` works in it) whose tag manifest
is signed in SSH format (`ssh-keygen -Y verify`), with the custody log, the public key, a
readable report and VERIFY.md for someone with no forensic background.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from reclaim import __version__
from reclaim.errors import ReclaimError
from reclaim.locker import EvidenceItem, Locker
from reclaim.locker._sshsig import fingerprint, openssh_public_key
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
from reclaim.packs._pdf import write_pdf
from reclaim.packs._report import Exhibit, build_report, render_html
from reclaim.packs._timestamps import complete_timestamps, write_log_head_tokens, write_requests

VERIFY_TEMPLATE = Path(__file__).with_name("VERIFY.md")


class PackError(ReclaimError):
    """A pack cannot be written: the destination exists, or there is nothing to export."""


def export_pack(
    box: Locker,
    destination: Path,
    initials: str,
    title: str,
    item_ids: list[str] | None = None,
    authorities: tuple[str, ...] = (),
    scope: str = "",
) -> Path:
    """Write a pack of the chosen items (all by default) to ``destination``; return it.

    ``scope`` says in words which part of the case was chosen, for the report.
    Each of ``authorities`` (RFC 3161 URLs) is asked to timestamp the tag manifest; one that
    cannot be reached is listed in timestamps/pending.txt ("timestamp pending"). The list of
    timestamps asked for, and the locker's timestamps of its custody log, are signed.
    """
    if destination.exists():
        raise PackError(f"{destination} already exists: choose a new folder for the pack")
    if not re.fullmatch(r"[A-Z]{1,4}", initials):
        raise PackError("initials are one to four capital letters, such as JS")
    items = [item for item in box.items() if item_ids is None or item.id in item_ids]
    if not items:
        raise PackError("there is nothing to export")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / EXHIBITS_FOLDER).mkdir(parents=True)
    exhibits = [_write_exhibit(box, partial, item, initials, n) for n, item in enumerate(items, 1)]
    covers = scope or ("the whole case" if item_ids is None else "the chosen items")
    signed = write_log_head_tokens(box, partial) + write_requests(partial, authorities)
    _write_tag_files(box, partial, exhibits, title, covers, item_ids is None, signed)
    tag_manifest = (partial / TAG_MANIFEST).read_bytes()
    (partial / SIGNATURE).write_text(box.ssh_sign(SIGNING_NAMESPACE, tag_manifest))
    complete_timestamps(partial)  # over the signed tag manifest; unreachable ones wait
    os.replace(partial, destination)
    box.record_export({"exhibits": str(len(exhibits)), "tagmanifest_sha256": _sha256(tag_manifest)})
    return destination


def _write_exhibit(box: Locker, root: Path, item: EvidenceItem, initials: str, n: int) -> Exhibit:
    number = f"{initials}/{n}"
    safe = re.sub(r"[^\w.-]+", "_", item.name, flags=re.UNICODE).strip("._") or "item"
    relative = f"{EXHIBITS_FOLDER}/{initials}-{n}_{safe}"
    with (root / relative).open("wb") as file:
        for piece in box.read(item.id):
            file.write(piece)
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
    )


def _write_tag_files(
    box: Locker,
    root: Path,
    exhibits: list[Exhibit],
    title: str,
    scope: str,
    whole_case: bool,
    written: list[str],
) -> None:
    key = box.public_key()
    linked = {exhibit.incident for exhibit in exhibits}
    incidents = [i for i in box.incidents() if whole_case or i.id in linked]
    report = build_report(title, fingerprint(key), scope, incidents, exhibits, box.custody())
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
        CUSTODY_LOG: "".join(entry.line().decode() + "\n" for entry in box.custody()),
        PUBLIC_KEY: openssh_public_key(key, SIGNER_IDENTITY) + "\n",
        ALLOWED_SIGNERS: (
            f'{SIGNER_IDENTITY} namespaces="{SIGNING_NAMESPACE}" '
            f"{openssh_public_key(key, '').strip()}\n"
        ),
        "report.html": render_html(report),
        "VERIFY.md": VERIFY_TEMPLATE.read_text().replace("{fingerprint}", fingerprint(key)),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    write_pdf(root / "report.pdf", report)
    tagged = sorted([*files, "report.pdf", *written])
    (root / TAG_MANIFEST).write_text(
        "".join(manifest_line(_sha256((root / name).read_bytes()), name) for name in tagged)
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
