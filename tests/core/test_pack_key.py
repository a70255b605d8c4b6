"""A pack re-signed with another key fails `reclaim verify`, however much the forger rewrites,
as long as something outside their reach states the real key; and the key's fingerprint can be
read aloud and worked out by hand."""

import base64
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reclaim.locker import GENESIS, Locker, parse_entry
from reclaim.packs import FAIL, PASS, WARN, export_pack, verify_pack
from reclaim.signing.sshsig import fingerprint, openssh_public_key, sign, spoken_fingerprint

from ..lockers import SHARED_PASSPHRASE, copy_locker


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keypack")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    box.add(b"the threat, as received", "threat.txt", "text/plain")
    box.add(b"a second screenshot", "shot.png", "image/png")
    return export_pack(box, root / "pack", "JS", "Key case")


def checks(root: Path) -> dict[str, tuple[str, str]]:
    return {check.name: (check.status, check.detail) for check in verify_pack(root)}


def sha(algorithm: str, path: Path) -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


def forge(
    pack: Path,
    destination: Path,
    key: Ed25519PrivateKey,
    *,
    edit: bool = True,
    statements: bool = False,
    first_entry: bool = False,
) -> Path:
    """Do what the examiner's forger did: edit exhibit 1, fix every digest, sign it all anew.

    ``statements``: also write the new fingerprint into VERIFY.md and the report;
    ``first_entry``: also into the custody log's first entry.
    """
    shutil.copytree(pack, destination)
    exhibits = json.loads((destination / "exhibits.json").read_text())
    target = destination / exhibits[0]["file"]
    if edit:
        target.write_bytes(b"the threat, as the forger wanted it")
    exhibits[0] |= {"sha256": sha("sha256", target), "sha512": sha("sha512", target)}
    (destination / "exhibits.json").write_text(json.dumps(exhibits, indent=2))
    for algorithm in ("sha256", "sha512"):
        lines = [f"{sha(algorithm, destination / e['file'])}  {e['file']}\n" for e in exhibits]
        (destination / f"manifest-{algorithm}.txt").write_text("".join(lines))
    old, new = (fingerprint(k) for k in (_pack_key(pack), key.public_key()))
    _resign_custody(destination, key, exhibits[0], new if first_entry else None)
    public = openssh_public_key(key.public_key(), "")
    (destination / "custody/locker_ed25519.pub").write_text(public + "reclaim-locker\n")
    (destination / "allowed_signers").write_text(
        f'reclaim-locker namespaces="reclaim-pack" {public.strip()}\n'
    )
    if statements:
        spoken = tuple(spoken_fingerprint(k) for k in (_pack_key(pack), key.public_key()))
        for name in ("VERIFY.md", "report.html"):
            text = (destination / name).read_text().replace(old, new)
            (destination / name).write_text(text.replace(*spoken))
    _resign_tags(destination, key)
    return destination


def _pack_key(pack: Path) -> "Ed25519PublicKey":  # noqa: F821  # a string annotation, for reading
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    loaded = load_ssh_public_key((pack / "custody/locker_ed25519.pub").read_bytes())
    return loaded  # type: ignore[return-value]  # an Ed25519 key: the pack holds no other


def _resign_custody(
    root: Path, key: Ed25519PrivateKey, exhibit: dict[str, str], first_key: str | None
) -> None:
    path = root / "custody/custody.jsonl"
    entries, previous = [], GENESIS
    for line in path.read_bytes().splitlines():
        entry = parse_entry(line)
        details = dict(entry.details)
        if entry.item == exhibit["item"] and entry.action == "item-added":
            details |= {"sha256": exhibit["sha256"], "sha512": exhibit["sha512"]}
        if entry.seq == 0 and first_key is not None:
            details["key"] = first_key
        entry = dataclasses.replace(entry, prev=previous, details=details, signature="")
        entry = dataclasses.replace(entry, signature=key.sign(entry.unsigned_bytes()).hex())
        entries.append(entry.line().decode() + "\n")
        previous = entry.digest()
    path.write_text("".join(entries))


def _resign_tags(root: Path, key: Ed25519PrivateKey) -> None:
    manifest = root / "tagmanifest-sha256.txt"
    names = [line.split("  ", 1)[1] for line in manifest.read_text().splitlines()]
    manifest.write_text("".join(f"{sha('sha256', root / n)}  {n}\n" for n in names))
    (root / "tagmanifest-sha256.txt.sig").write_text(
        sign(key, "reclaim-pack", manifest.read_bytes())
    )


def test_a_pack_resigned_with_another_key_fails_naming_every_place_that_disagrees(
    pack: Path, tmp_path: Path
) -> None:
    forged = forge(pack, tmp_path / "forged", Ed25519PrivateKey.generate())
    results = checks(forged)
    # Every other check passes: before the key was compared, this forgery passed verify.
    for name in ("exhibits", "tag files", "signature", "custody log"):
        assert results[name][0] == PASS, results[name]
    status, detail = results["key fingerprint"]
    assert status == FAIL
    assert "VERIFY.md states" in detail and "report.html states" in detail
    assert "custody entry 0 (locker-created)" in detail


def test_rewriting_verify_md_and_the_report_too_is_caught_by_the_first_custody_entry(
    pack: Path, tmp_path: Path
) -> None:
    forged = forge(pack, tmp_path / "forged", Ed25519PrivateKey.generate(), statements=True)
    status, detail = checks(forged)["key fingerprint"]
    assert status == FAIL
    assert "custody entry 0 (locker-created)" in detail and "VERIFY.md" not in detail


def test_a_forger_who_rewrites_everything_leaves_only_the_key_to_confirm_by_another_route(
    pack: Path, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    forged = forge(pack, tmp_path / "forged", key, statements=True, first_entry=True)
    status, detail = checks(forged)["key fingerprint"]
    # Nothing inside the pack can tell; what the officer must confirm aloud is the forger's.
    assert status == PASS and spoken_fingerprint(key.public_key()) in detail
    assert spoken_fingerprint(_pack_key(pack)) not in detail


def test_a_pack_whose_custody_log_does_not_state_its_key_is_a_warning(
    pack: Path, tmp_path: Path
) -> None:
    box = Locker.open(pack.parent / "locker", SHARED_PASSPHRASE)
    older = tmp_path / "older"
    forge(pack, older, box._signing_key, edit=False)  # the same key: only the entry changes
    path = older / "custody/custody.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    first = json.loads(lines[0])
    del first["details"]["key"]
    path.write_text(json.dumps(first) + "\n" + "".join(lines[1:]))
    _resign_custody(older, box._signing_key, {"item": ""}, None)
    _resign_tags(older, box._signing_key)
    status, detail = checks(older)["key fingerprint"]
    assert (status, detail.split(";")[0]) == (WARN, "the custody log does not state its key")


def test_the_locker_states_its_key_in_its_first_custody_entry(pack: Path) -> None:
    box = Locker.open(pack.parent / "locker", SHARED_PASSPHRASE)
    first = box.custody()[0]
    assert first.action == "locker-created"
    assert first.details["key"] == box.key_fingerprint() == fingerprint(box.public_key())


def test_the_fingerprint_to_read_aloud_is_worked_out_by_hand_as_verify_md_says(
    pack: Path,
) -> None:
    text = (pack / "VERIFY.md").read_text()
    command = re.search(r"\n    (cut -d .*sha256sum)\n", text)
    assert command is not None
    printed = subprocess.run(  # noqa: S602  # the pipe exactly as VERIFY.md prints it
        command.group(1), shell=True, cwd=pack, capture_output=True, text=True, check=True
    ).stdout
    spoken = spoken_fingerprint(_pack_key(pack))
    assert printed[:32] == spoken.replace(" ", "") and f"    {spoken}\n" in text
    blob = base64.b64decode((pack / "custody/locker_ed25519.pub").read_text().split()[1])
    assert hashlib.sha256(blob).hexdigest().startswith(spoken.replace(" ", ""))
