"""A pack's time anchors: when its key and each exhibit provably existed.

Written by export, checked by verify. In the pack:

    timestamps/key/fingerprint.txt   the key's `SHA256:` fingerprint and a newline: the bytes
                                     the authorities timestamped when the locker was created
    timestamps/key/anchor-N.tsr      their RFC 3161 tokens
    timestamps/items/batch-N.root    a batch's Merkle root in hex and a newline (see merkle)
    timestamps/items/batch-N.tsr     the token over that file
    timestamps/items/proofs.json     the batches (each with the seq of the custody entry that
                                     recorded it), and each exhibit's path to its batch's root

All of them are covered by the tag manifest. The checks compare the key that signed the pack
with every place that states its fingerprint, so a pack re-signed with another key fails even
if it carries real timestamps: those could only date from after the forgery.

A pack of part of a case withholds the custody entry of a batch that names items of other
parts (see _withhold): such a batch is checked by its token and the exhibit's path alone, and
the check says its entry is withheld.
"""

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asn1crypto import tsp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reclaim import times
from reclaim.locker import BatchProofs, CustodyEntry, CustodyError, Locker, key_anchor_data
from reclaim.packs._check import FAIL, PASS, WARN, Check
from reclaim.packs._layout import (
    CUSTODY_LOG,
    EXHIBITS,
    ITEM_PROOFS,
    ITEM_TIMESTAMPS_FOLDER,
    KEY_ANCHORS_FOLDER,
    KEY_FINGERPRINT,
)
from reclaim.packs._report import Exhibit
from reclaim.packs._timestamps import Trust
from reclaim.packs._withhold import PackLog, read_pack_log
from reclaim.signing.merkle import MerkleError, leaf_hash, root_data, root_from_path
from reclaim.signing.sshsig import fingerprint, spoken_fingerprint
from reclaim.signing.timestamps import TimestampError, signer_certificate, verify_token

FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
SPOKEN = re.compile(r"\b(?:[0-9a-f]{4} ){7}[0-9a-f]{4}\b")
# What a damaged or hand-made pack can raise while it is read: each becomes a FAIL line.
_BROKEN = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    MerkleError,
    TimestampError,
)


# Writing ------------------------------------------------------------------------------------


def write_anchors(box: Locker, root: Path, exhibits: list[Exhibit]) -> list[str]:
    """Write the key's and the exhibits' timestamps into a pack; return the files written."""
    written = _write_key_anchors(box, root)
    return written + _write_item_timestamps(box, root, exhibits)


def key_anchor_words(box: Locker, zone: str = "") -> str:
    """Return what VERIFY.md says of the key's timestamps held when the pack is made.

    Their times are shown in ``zone``, the exporter's ("": in UTC, as the tokens state them).
    """
    anchors = box.key_anchors()
    if not anchors:
        return "When this pack was made, no authority had timestamped this key."
    lines = [
        f"- `{KEY_ANCHORS_FOLDER}/anchor-{number}.tsr`: this key existed no later than "
        f"{times.english(stamp.time, zone)}, per {authority_name(box.anchor_token(stamp.file))}"
        for number, stamp in enumerate(anchors, 1)
    ]
    heading = "When this pack was made, the locker held these timestamps of its key:"
    return "\n\n".join([heading, "\n".join(lines)])


def _write_key_anchors(box: Locker, root: Path) -> list[str]:
    anchors = box.key_anchors()
    if not anchors:
        return []
    (root / KEY_ANCHORS_FOLDER).mkdir(parents=True)
    (root / KEY_FINGERPRINT).write_bytes(key_anchor_data(box.key_fingerprint()))
    written = [KEY_FINGERPRINT]
    for number, stamp in enumerate(anchors, 1):
        name = f"{KEY_ANCHORS_FOLDER}/anchor-{number}.tsr"
        (root / name).write_bytes(box.anchor_token(stamp.file))
        written.append(name)
    return written


def _write_item_timestamps(box: Locker, root: Path, exhibits: list[Exhibit]) -> list[str]:
    by_item = {exhibit.item: exhibit for exhibit in exhibits}
    batches = [b for b in box.item_batches() if by_item.keys() & set(b.items)]
    if not batches:
        return []
    (root / ITEM_TIMESTAMPS_FOLDER).mkdir(parents=True)
    recorded = {
        (e.details.get("root"), e.details.get("file")): e.seq
        for e in box.custody()
        if e.action == "items-timestamped"
    }
    listed, proofs, written = [], [], []
    for number, batch in enumerate(batches, 1):
        kept = box.batch_proofs(batch)
        stem = f"{ITEM_TIMESTAMPS_FOLDER}/batch-{number}"
        (root / f"{stem}.root").write_bytes(root_data(bytes.fromhex(batch.root)))
        (root / f"{stem}.tsr").write_bytes(kept.token)
        written += [f"{stem}.root", f"{stem}.tsr"]
        seq = recorded[(batch.root, batch.file)]
        listed.append(
            {"batch": number, "root": batch.root, "authority": batch.authority, "custody_seq": seq}
        )
        proofs += _exhibit_proofs(number, kept, by_item)
    document = {"batches": listed, "exhibits": proofs}
    (root / ITEM_PROOFS).write_text(json.dumps(document, indent=2) + "\n")
    return [*written, ITEM_PROOFS]


def _exhibit_proofs(
    number: int, kept: BatchProofs, by_item: dict[str, Exhibit]
) -> list[dict[str, object]]:
    """Return the proofs.json entries of the exhibits in batch ``number``."""
    return [
        {
            "exhibit": by_item[item].number,
            "item": item,
            "sha256": sha256,
            "batch": number,
            "path": [list(step) for step in path],
        }
        for item, (sha256, path) in kept.proofs.items()
        if item in by_item
    ]


# Checking -----------------------------------------------------------------------------------


def anchor_checks(root: Path, key: Ed25519PublicKey | None, trust: Trust | str) -> list[Check]:
    """Return the checks of the key's fingerprint, its anchors and the exhibits' timestamps.

    ``key`` is the key whose signature over the tag manifest was found valid (None if none);
    ``trust`` the timestamp roots to check tokens against, or why they cannot be read.
    """
    log = _custody(root)
    custody = log.entries
    results = []
    if key is not None:
        results += _safely("key fingerprint", lambda: [_check_key(root, key, custody)])
    results += _safely("key anchor", lambda: _check_key_anchors(root, custody, trust))
    results += _safely("exhibit timestamps", lambda: _check_item_timestamps(root, log, trust))
    return results


def authority_name(response: bytes) -> str:
    """Return the name in the certificate of the authority that signed a timestamp token.

    Only a name: whether that certificate is trusted is the token check's business.
    """
    try:
        signed = tsp.TimeStampResp.load(response)["time_stamp_token"]["content"]
        carried = [choice.chosen for choice in signed["certificates"] or []]
        subject = signer_certificate(signed["signer_infos"][0], carried).subject
        return str(subject.native.get("common_name") or subject.human_friendly)
    except _BROKEN:
        return "an authority that does not say its name"


def trusted_time(response: bytes, data: bytes, trust: Trust | str) -> str:
    """Return "TIME UTC, per AUTHORITY" for a token over ``data`` checked up to ``trust``.

    Raise TimestampError if the token is invalid or its authority is not trusted.
    """
    if isinstance(trust, str):
        raise TimestampError(trust)
    result = verify_token(response, data, trust.roots, trust.chain)
    return f"{result.time:%Y-%m-%d %H:%M:%S} UTC, per {result.authority}"


def _safely(name: str, run: Callable[[], list[Check]]) -> list[Check]:
    try:
        return run()
    except _BROKEN as error:
        return [Check(FAIL, name, str(error) or type(error).__name__)]


def _custody(root: Path) -> PackLog:
    try:
        return read_pack_log((root / CUSTODY_LOG).read_bytes())
    except (OSError, ValueError, CustodyError):
        return PackLog([], ())  # the custody log check says why


def _check_key(root: Path, key: Ed25519PublicKey, custody: list[CustodyEntry]) -> Check:
    """The signing key is the one VERIFY.md, the report, the log and the anchors state."""
    stated, spoken = fingerprint(key), spoken_fingerprint(key)
    problems = _stated_elsewhere(root, stated, spoken, custody)
    by_hand = "ssh-keygen -l -f custody/locker_ed25519.pub"
    if problems:
        detail = f"the pack is signed by key {stated}, but " + "; ".join(problems)
        return Check(FAIL, "key fingerprint", detail, by_hand)
    confirm = f"(read aloud: {spoken}): confirm it with the person or the helpline that noted it"
    if not custody or "key" not in custody[0].details:
        detail = f"the custody log does not state its key; the pack is signed by {stated} {confirm}"
        return Check(WARN, "key fingerprint", detail, by_hand)
    detail = f"{stated} is the key VERIFY.md, the report and the custody log state {confirm}"
    return Check(PASS, "key fingerprint", detail, by_hand)


def _stated_elsewhere(
    root: Path, stated: str, spoken: str, custody: list[CustodyEntry]
) -> list[str]:
    """Return each place that states another key than ``stated`` (or states none)."""
    problems = []
    verify_text = (root / "VERIFY.md").read_text(encoding="utf-8")
    report_text = (root / "report.html").read_text(encoding="utf-8")
    for place, text in (("VERIFY.md", verify_text), ("report.html", report_text)):
        found = set(FINGERPRINT.findall(text))
        if found != {stated}:
            problems.append(f"{place} states {', '.join(sorted(found - {stated})) or 'no key'}")
    if set(SPOKEN.findall(verify_text)) - {spoken}:
        problems.append("VERIFY.md gives another fingerprint to read aloud")
    for entry in custody:
        said = _stated_key(entry)
        if said is not None and said != stated:
            problems.append(f"custody entry {entry.seq} ({entry.action}) states {said}")
    anchored = root / KEY_FINGERPRINT
    if anchored.exists() and anchored.read_bytes() != key_anchor_data(stated):
        problems.append(f"{KEY_FINGERPRINT} states another key")
    return problems


def _stated_key(entry: CustodyEntry) -> str | None:
    if entry.action == "locker-created":
        return entry.details.get("key")
    if entry.action == "key-timestamped":
        return entry.details.get("fingerprint")
    return None


def _check_key_anchors(root: Path, custody: list[CustodyEntry], trust: Trust | str) -> list[Check]:
    """Each key anchor is a valid token over timestamps/key/fingerprint.txt."""
    tokens = sorted((root / KEY_ANCHORS_FOLDER).glob("anchor-*.tsr"))
    recorded = [e for e in custody if e.action == "key-timestamped"]
    results = [_check_key_anchor(root, token, trust) for token in tokens]
    if len(tokens) < len(recorded):
        detail = (
            f"the custody log records {len(recorded)} timestamps of the key; "
            f"the pack holds {len(tokens)}"
        )
        results.append(Check(FAIL, "key anchor", detail))
    elif not tokens:
        detail = "no timestamp anchors the key: confirm its fingerprint by another route"
        results.append(Check(WARN, "key anchor", detail))
    return results


def _check_key_anchor(root: Path, token: Path, trust: Trust | str) -> Check:
    relative = token.relative_to(root)
    by_hand = f"openssl ts -verify -data {KEY_FINGERPRINT} -in {relative} -CAfile ROOT.pem"
    try:
        data = (root / KEY_FINGERPRINT).read_bytes()
        response = token.read_bytes()
        stated = trusted_time(response, data, trust)
    except (OSError, TimestampError) as error:
        return Check(FAIL, f"key anchor {relative}", str(error), by_hand)
    key = data.decode("ascii", "replace").strip()
    detail = f"this key ({key}) existed no later than {stated}"
    return Check(PASS, f"key anchor {relative}", detail, by_hand)


def _check_item_timestamps(root: Path, log: PackLog, trust: Trust | str) -> list[Check]:
    """Each exhibit's proof leads from its digest to a batch root a valid token covers."""
    exhibits = json.loads((root / EXHIBITS).read_text(encoding="utf-8"))
    proofs = _load_proofs(root)
    batches = {int(b["batch"]): _BatchResult(root, b, log, trust) for b in proofs["batches"]}
    recorded = {
        item
        for entry in log.entries
        if entry.action == "items-timestamped"
        for item in entry.details.get("items", "").split(",")
    }
    results, without = [], []
    for exhibit in exhibits:
        own = [p for p in proofs["exhibits"] if p["exhibit"] == exhibit["number"]]
        if own:
            results.append(_check_exhibit(root, exhibit, own, batches))
        elif exhibit["item"] in recorded:
            detail = "the custody log records a timestamp of it, but the pack has no proof"
            results.append(Check(FAIL, f"exhibit {exhibit['number']} timestamp", detail))
        else:
            without.append(exhibit["number"])
    if without:
        detail = (
            f"no timestamp from when these exhibits were kept: {', '.join(without)} "
            "(their times in the custody log rest on the locker's own clock)"
        )
        results.append(Check(WARN, "exhibit timestamps", detail))
    return results


def _load_proofs(root: Path) -> dict[str, list[dict[str, Any]]]:
    path = root / ITEM_PROOFS
    if not path.exists():
        return {"batches": [], "exhibits": []}
    return dict(json.loads(path.read_text(encoding="utf-8")))


class _BatchResult:
    """A batch's token checked once: "TIME (AUTHORITY)" it states for its root, or why not.

    ``withheld`` says, for a batch whose custody entry this pack withholds, which entry.
    """

    def __init__(self, root: Path, batch: dict[str, Any], log: PackLog, trust: Trust | str) -> None:
        self.root_hex = str(batch["root"])
        self.number = int(batch["batch"])
        self.withheld = ""
        try:
            self.stated, self.problem = self._check(root, batch, log, trust), ""
        except _BROKEN as error:
            self.stated, self.problem = "", str(error) or type(error).__name__

    def _check(self, root: Path, batch: dict[str, Any], log: PackLog, trust: Trust | str) -> str:
        stem = f"{ITEM_TIMESTAMPS_FOLDER}/batch-{self.number}"
        data = (root / f"{stem}.root").read_bytes()
        response = (root / f"{stem}.tsr").read_bytes()
        if data != root_data(bytes.fromhex(self.root_hex)):
            raise MerkleError(f"{stem}.root does not hold the batch's root")
        roots = {e.details.get("root") for e in log.entries if e.action == "items-timestamped"}
        seq = batch.get("custody_seq")
        if self.root_hex not in roots:
            # Withheld because it names items of other parts of the case: the token and the
            # path still date the exhibit; the signed tag manifest says the locker put it here.
            if not isinstance(seq, int) or seq not in log.withheld_at:
                raise MerkleError(f"batch {self.number} is not recorded in the custody log")
            self.withheld = (
                f" (the custody entry of its batch, {seq}, is withheld from this pack: it names "
                "items of other parts of the case)"
            )
        return trusted_time(response, data, trust)


def _check_exhibit(
    root: Path,
    exhibit: dict[str, Any],
    proofs: list[dict[str, Any]],
    batches: dict[int, "_BatchResult"],
) -> Check:
    """The exhibit's file, as it is in the pack, leads up to each batch root it claims."""
    name = f"exhibit {exhibit['number']} timestamp"
    by_hand = "see VERIFY.md, When each exhibit existed"
    digest = hashlib.sha256((root / str(exhibit["file"])).read_bytes()).hexdigest()
    leaf = leaf_hash(digest, str(exhibit["item"]))
    stated = []
    for proof in proofs:
        batch = batches[int(proof["batch"])]
        if batch.problem:
            return Check(FAIL, name, f"batch {batch.number}: {batch.problem}", by_hand)
        path = tuple((str(side), str(sibling)) for side, sibling in proof["path"])
        if root_from_path(leaf, path).hex() != batch.root_hex:
            detail = "the exhibit does not lead to its timestamped root: changed after timestamping"
            return Check(FAIL, name, detail, by_hand)
        stated.append(batch.stated + batch.withheld)
    return Check(PASS, name, f"existed no later than {min(stated)}", by_hand)
