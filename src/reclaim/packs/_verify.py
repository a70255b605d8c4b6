"""Check a pack: PASS, WARN or FAIL for each check, with the command that repeats it by hand.

`verify_pack` runs a list of named checks, each in `run_check`, so a damaged or forged file
gives a FAIL line with its reason and never stops the report. A check reads what earlier
checks established (the signing key, the custody entries) from ``context``.
"""

import base64
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reclaim.locker import CustodyEntry
from reclaim.packs._anchors import anchor_checks
from reclaim.packs._check import (
    FAIL,
    PASS,
    WARN,
    Check,
    CheckFailedError,
    pack_file,
    read_text,
    run_check,
)
from reclaim.packs._layout import (
    ALLOWED_SIGNERS,
    CUSTODY_LOG,
    EXHIBITS,
    PAYLOAD_MANIFESTS,
    SIGNATURE,
    SIGNER_IDENTITY,
    SIGNING_NAMESPACE,
    TAG_MANIFEST,
    parse_manifest,
)
from reclaim.packs._timestamps import context_trust, timestamp_checks
from reclaim.packs._withhold import read_pack_log, verify_pack_log
from reclaim.signing.sshsig import fingerprint, public_key_blob, verify

__all__ = ["FAIL", "PASS", "WARN", "Check", "verify_pack"]

PAYLOAD_FOLDER = "data"
# The form ssh-keygen writes and export copies: anything else is a changed file.
ARMOURED_SIGNATURE = re.compile(
    r"-----BEGIN SSH SIGNATURE-----\n(?:[A-Za-z0-9+/=]{1,76}\n)+-----END SSH SIGNATURE-----\n"
)
Context = dict[str, object]


def verify_pack(
    root: Path, tsa_roots: Sequence[Path] = (), tsa_chain: Sequence[Path] = ()
) -> list[Check]:
    """Return the outcome of every check on the pack at ``root``.

    ``tsa_roots`` are PEM files of timestamp authority roots the person trusts, beside the
    system's trust store; ``tsa_chain`` adds intermediate certificates.
    """
    context: Context = {"tsa_roots": tuple(tsa_roots), "tsa_chain": tuple(tsa_chain)}
    checks: list[tuple[str, str, Callable[[Path, Context], str]]] = [
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
    results = [
        run_check(name, by_hand, partial(check, root, context)) for name, by_hand, check in checks
    ]
    results.extend(timestamp_checks(root, context))
    key = context.get("key")
    signer = key if isinstance(key, Ed25519PublicKey) else None
    results.extend(anchor_checks(root, signer, context_trust(context)))
    return results


def _check_bag(root: Path, context: Context) -> str:
    if "BagIt-Version: 1.0\n" not in read_text(root, "bagit.txt"):
        raise CheckFailedError("bagit.txt does not declare BagIt 1.0")
    return "a BagIt 1.0 bag"


def _check_payload(root: Path, context: Context) -> str:
    """Every payload file matches both manifests, and every file under data/ is listed."""
    listed: dict[str, set[str]] = {}
    for manifest, algorithm in PAYLOAD_MANIFESTS.items():
        listed[manifest] = set()
        for digest, path in parse_manifest(read_text(root, manifest)):
            if not path.startswith(f"{PAYLOAD_FOLDER}/"):
                raise CheckFailedError(f"{manifest} lists {path!r}, outside {PAYLOAD_FOLDER}/")
            if hashlib.new(algorithm, pack_file(root, path).read_bytes()).hexdigest() != digest:
                raise CheckFailedError(f"{path} does not match {manifest}")
            listed[manifest].add(path)
    sha256, sha512 = listed.values()
    if sha256 != sha512:
        raise CheckFailedError(f"the manifests list different files: {sorted(sha256 ^ sha512)}")
    present = {p.relative_to(root).as_posix() for p in (root / PAYLOAD_FOLDER).rglob("*")}
    present = {p for p in present if not (root / p).is_dir() or (root / p).is_symlink()}
    if present != sha256:
        raise CheckFailedError(f"payload files not in the manifests: {sorted(present ^ sha256)}")
    return f"{len(sha256)} exhibits match their SHA-256 and SHA-512 digests"


def _check_tags(root: Path, context: Context) -> str:
    entries = parse_manifest(read_text(root, TAG_MANIFEST))
    for digest, path in entries:
        if hashlib.sha256(pack_file(root, path).read_bytes()).hexdigest() != digest:
            raise CheckFailedError(f"{path} does not match {TAG_MANIFEST}")
    covered = {path for _, path in entries}
    if not {*PAYLOAD_MANIFESTS, CUSTODY_LOG, EXHIBITS, ALLOWED_SIGNERS} <= covered:
        raise CheckFailedError(f"{TAG_MANIFEST} does not cover the manifests and the custody log")
    return f"{len(entries)} tag files match"


def _check_signature(root: Path, context: Context) -> str:
    armoured = read_text(root, SIGNATURE)
    if not ARMOURED_SIGNATURE.fullmatch(armoured):
        raise CheckFailedError(f"{SIGNATURE} is not an SSH signature as ssh-keygen writes it")
    key = verify(armoured, SIGNING_NAMESPACE, pack_file(root, TAG_MANIFEST).read_bytes())
    expected = (
        f'{SIGNER_IDENTITY} namespaces="{SIGNING_NAMESPACE}" ssh-ed25519 '
        f"{base64.b64encode(public_key_blob(key)).decode()}\n"
    )
    if read_text(root, ALLOWED_SIGNERS) != expected:
        raise CheckFailedError(f"the signing key is not the one {ALLOWED_SIGNERS} names")
    context["key"] = key
    return f"signed by key {fingerprint(key)}: confirm it with the sender by another route"


def _check_custody(root: Path, context: Context) -> str:
    key = context.get("key")
    if not isinstance(key, Ed25519PublicKey):
        raise CheckFailedError("cannot check the custody log without a valid signature")
    log = verify_pack_log(_whole_lines(pack_file(root, CUSTODY_LOG).read_bytes()), key)
    context["entries"] = log.entries
    added = {(e.item, e.details.get("sha256")) for e in log.entries if e.action == "item-added"}
    for exhibit in _exhibits(root):
        if (exhibit["item"], exhibit["sha256"]) not in added:
            raise CheckFailedError(f"exhibit {exhibit['number']} was never recorded as added")
    withheld = (
        f"; {log.withheld} entries about other parts of the case are withheld (each by its "
        "SHA-256, so the chain still links)"
        if log.withheld
        else ""
    )
    return (
        f"{len(log.entries)} entries, chained and signed; every exhibit's digest was "
        f"recorded{withheld}"
    )


def _whole_lines(log: bytes) -> bytes:
    if not log.endswith(b"\n"):
        raise CheckFailedError(f"{CUSTODY_LOG} does not end with a whole line")
    return log


def _custody_entries(log: bytes) -> list[CustodyEntry]:
    return read_pack_log(_whole_lines(log)).entries


def _exhibits(root: Path) -> list[dict[str, object]]:
    exhibits = json.loads(read_text(root, EXHIBITS))
    if not isinstance(exhibits, list) or not all(isinstance(e, dict) for e in exhibits):
        raise CheckFailedError(f"{EXHIBITS} is not a list of exhibits")
    return exhibits


def _check_captures(root: Path, context: Context) -> str:
    """Each capture's WACZ validates, and its metadata agrees with what the locker recorded."""
    captures = [e for e in _exhibits(root) if e.get("kind") == "capture"]
    for exhibit in captures:
        path = pack_file(root, str(exhibit["file"]))
        if str(exhibit["name"]).endswith(".wacz"):
            result = subprocess.run(
                [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise CheckFailedError(f"exhibit {exhibit['number']}: the WACZ does not validate")
            _check_wacz_signature(root, exhibit)
        elif exhibit["name"] == "metadata.json":
            _check_capture_metadata(exhibit, json.loads(read_text(root, str(exhibit["file"]))))
    if not captures:
        return "no web captures in this pack"
    return (
        f"{len(captures)} capture files: WACZ valid (and signed with the key the custody log "
        "recorded, where it recorded one), addresses and times agree"
    )


def _check_wacz_signature(root: Path, exhibit: dict[str, object]) -> None:
    """The WACZ's signature verifies, with the key its signed custody entry recorded.

    Captures made before WACZ signing have no key in their entry and no signature to check.
    """
    from reclaim.capture import WaczSignatureError, verify_wacz

    entries = _custody_entries(pack_file(root, CUSTODY_LOG).read_bytes())
    added = [entry for entry in entries if entry.action == "item-added"]
    key = {entry.item: entry.details.get("wacz_public_key") for entry in added}.get(
        str(exhibit["item"])
    )
    if key is None:
        return
    try:
        signed_by = verify_wacz(pack_file(root, str(exhibit["file"])))
    except WaczSignatureError as error:
        raise CheckFailedError(f"exhibit {exhibit['number']}: {error}") from None
    if signed_by != key:
        raise CheckFailedError(f"exhibit {exhibit['number']}: the WACZ is signed by another key")


def _check_capture_metadata(exhibit: dict[str, object], metadata: object) -> None:
    details = exhibit["details"]
    if not isinstance(metadata, dict) or not isinstance(details, dict):
        raise CheckFailedError(f"exhibit {exhibit['number']}: metadata is not a JSON object")
    recorded = (details["url"], details["captured_utc"])
    if (metadata.get("requested_url"), metadata.get("capture_started_utc")) != recorded:
        raise CheckFailedError(f"exhibit {exhibit['number']}: address or time disagree")
