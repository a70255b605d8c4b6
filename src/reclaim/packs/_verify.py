"""Check a pack: PASS, WARN or FAIL for each check, with the command that repeats it by hand."""

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reclaim.locker import CustodyError, verify_chain
from reclaim.locker._custody import parse_entry
from reclaim.locker._sshsig import SignatureError, fingerprint, public_key_blob, verify
from reclaim.locker._timestamps import TimestampError, check_token
from reclaim.packs._layout import (
    CUSTODY_LOG,
    EXHIBITS,
    EXHIBITS_FOLDER,
    PAYLOAD_MANIFESTS,
    PENDING,
    SIGNATURE,
    SIGNING_NAMESPACE,
    TAG_MANIFEST,
    TIMESTAMPS_FOLDER,
    parse_manifest,
)

PASS, WARN, FAIL = "PASS", "WARN", "FAIL"


@dataclass(frozen=True)
class Check:
    """The outcome of one check, and how to repeat it without Reclaim."""

    status: str
    name: str
    detail: str
    by_hand: str = ""


class _Failed(Exception):
    """Raised inside a check to report FAIL with a reason."""


def verify_pack(root: Path) -> list[Check]:
    """Return the outcome of every check on the pack at ``root``."""
    context: dict[str, object] = {}
    checks: list[tuple[str, str, Callable[[Path, dict[str, object]], str]]] = [
        ("bag", "", _check_bag),
        ("exhibits", "sha256sum -c manifest-sha256.txt", _check_payload),
        ("tag files", "sha256sum -c tagmanifest-sha256.txt", _check_tags),
        (
            "signature",
            "ssh-keygen -Y verify -f allowed_signers -I reclaim-locker "
            f"-n {SIGNING_NAMESPACE} -s {SIGNATURE} < {TAG_MANIFEST}",
            _check_signature,
        ),
        ("custody log", "", _check_custody),
        (
            "captures",
            "python -m wacz validate -f data/exhibits/<exhibit>_capture.wacz",
            _check_captures,
        ),
    ]
    results = []
    for name, by_hand, check in checks:
        try:
            results.append(Check(PASS, name, check(root, context), by_hand))
        except (_Failed, OSError, ValueError, KeyError) as error:
            results.append(Check(FAIL, name, str(error) or type(error).__name__, by_hand))
    results.extend(_check_timestamps(root))
    # Imported here: _anchors builds its results from Check, defined in this module.
    from reclaim.packs._anchors import anchor_checks

    key = context.get("key")
    results.extend(anchor_checks(root, key if isinstance(key, Ed25519PublicKey) else None))
    return results


def _check_timestamps(root: Path) -> list[Check]:
    folder = root / TIMESTAMPS_FOLDER
    tokens = sorted(folder.glob("*.tsr")) if folder.is_dir() else []
    results = []
    for token in tokens:
        relative = token.relative_to(root)
        by_hand = (
            f"openssl ts -verify -data {TAG_MANIFEST} -in {relative} "
            "-CAfile AUTHORITY-ROOT.pem -untrusted AUTHORITY-CHAIN.pem"
        )
        try:
            stamped = check_token(token.read_bytes(), (root / TAG_MANIFEST).read_bytes())
        except (TimestampError, OSError) as error:
            results.append(Check(FAIL, f"timestamp {relative}", str(error), by_hand))
            continue
        detail = f"the tag manifest existed at {stamped}; check the authority's root by hand"
        results.append(Check(PASS, f"timestamp {relative}", detail, by_hand))
    if (folder / PENDING).exists():
        results.append(Check(WARN, "timestamps", "timestamp pending: an authority was offline"))
    elif not tokens:
        results.append(Check(WARN, "timestamps", "no trusted timestamp in this pack"))
    return results


def _check_bag(root: Path, context: dict[str, object]) -> str:
    if "BagIt-Version: 1.0" not in (root / "bagit.txt").read_text():
        raise _Failed("bagit.txt does not declare BagIt 1.0")
    return "a BagIt 1.0 bag"


def _check_payload(root: Path, context: dict[str, object]) -> str:
    listed: set[str] = set()
    for manifest, algorithm in PAYLOAD_MANIFESTS.items():
        for digest, path in parse_manifest((root / manifest).read_text()):
            if hashlib.new(algorithm, (root / path).read_bytes()).hexdigest() != digest:
                raise _Failed(f"{path} does not match {manifest}")
            listed.add(path)
    present = {str(p.relative_to(root)) for p in (root / EXHIBITS_FOLDER).rglob("*") if p.is_file()}
    if present != listed:
        raise _Failed(f"files not in the manifests: {sorted(present ^ listed)}")
    return f"{len(listed)} exhibits match their SHA-256 and SHA-512 digests"


def _check_tags(root: Path, context: dict[str, object]) -> str:
    entries = parse_manifest((root / TAG_MANIFEST).read_text())
    for digest, path in entries:
        if hashlib.sha256((root / path).read_bytes()).hexdigest() != digest:
            raise _Failed(f"{path} does not match {TAG_MANIFEST}")
    covered = {path for _, path in entries}
    if not {*PAYLOAD_MANIFESTS, CUSTODY_LOG, EXHIBITS} <= covered:
        raise _Failed(f"{TAG_MANIFEST} does not cover the manifests and the custody log")
    return f"{len(entries)} tag files match"


def _check_signature(root: Path, context: dict[str, object]) -> str:
    try:
        key = verify(
            (root / SIGNATURE).read_text(), SIGNING_NAMESPACE, (root / TAG_MANIFEST).read_bytes()
        )
    except SignatureError as error:
        raise _Failed(str(error)) from None
    signers = (root / "allowed_signers").read_text()
    if signers.split()[3] != _openssh_key_base64(key):
        raise _Failed("the signing key is not the one in allowed_signers")
    context["key"] = key
    return f"signed by key {fingerprint(key)}: confirm it with the sender by another route"


def _check_custody(root: Path, context: dict[str, object]) -> str:
    key = context.get("key")
    if not isinstance(key, Ed25519PublicKey):
        raise _Failed("cannot check the custody log without a valid signature")
    try:
        entries = [parse_entry(line) for line in (root / CUSTODY_LOG).read_bytes().splitlines()]
        verify_chain(entries, key)
    except CustodyError as error:
        raise _Failed(str(error)) from None
    added = {(e.item, e.details.get("sha256")) for e in entries if e.action == "item-added"}
    for exhibit in json.loads((root / EXHIBITS).read_text()):
        if (exhibit["item"], exhibit["sha256"]) not in added:
            raise _Failed(f"exhibit {exhibit['number']} was never recorded as added")
    return f"{len(entries)} entries, chained and signed; every exhibit's digest was recorded"


def _check_captures(root: Path, context: dict[str, object]) -> str:
    """Each capture's WACZ validates, and its metadata agrees with what the locker recorded."""
    captures = [e for e in json.loads((root / EXHIBITS).read_text()) if e["kind"] == "capture"]
    for exhibit in captures:
        path = root / exhibit["file"]
        if exhibit["name"].endswith(".wacz"):
            result = subprocess.run(
                [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise _Failed(f"exhibit {exhibit['number']}: the WACZ does not validate")
            _check_wacz_signature(root, exhibit)
        elif exhibit["name"] == "metadata.json":
            metadata = json.loads(path.read_text())
            recorded = (exhibit["details"]["url"], exhibit["details"]["captured_utc"])
            if (metadata["requested_url"], metadata["capture_started_utc"]) != recorded:
                raise _Failed(f"exhibit {exhibit['number']}: address or time disagree")
    if not captures:
        return "no web captures in this pack"
    return (
        f"{len(captures)} capture files: WACZ valid (and signed with the key the custody log "
        "recorded, where it recorded one), addresses and times agree"
    )


def _check_wacz_signature(root: Path, exhibit: dict[str, Any]) -> None:
    """The WACZ's signature verifies, with the key its signed custody entry recorded.

    Captures made before WACZ signing have no key in their entry and no signature to check.
    """
    from reclaim.capture._sign import WaczSignatureError, verify_wacz

    try:
        entries = [parse_entry(line) for line in (root / CUSTODY_LOG).read_bytes().splitlines()]
    except CustodyError as error:
        raise _Failed(f"the custody log cannot be read: {error}") from None
    added = [entry for entry in entries if entry.action == "item-added"]
    recorded = {entry.item: entry.details.get("wacz_public_key") for entry in added}
    key = recorded.get(exhibit["item"])
    if key is None:
        return
    try:
        signed_by = verify_wacz(root / exhibit["file"])
    except WaczSignatureError as error:
        raise _Failed(f"exhibit {exhibit['number']}: {error}") from None
    if signed_by != key:
        raise _Failed(f"exhibit {exhibit['number']}: the WACZ is signed by another key")


def _openssh_key_base64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key_blob(key)).decode()
