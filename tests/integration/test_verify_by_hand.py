"""VERIFY.md's commands, run exactly as printed in a freshly exported pack.

The Linux blocks (and the macOS ones, whose tools exist here) run verbatim with bash in the pack
folder and must give the good result VERIFY.md describes; after one byte of an exhibit, one
custody line or the signature is changed, they must give the bad result it describes. The
Python script printed in VERIFY.md runs as printed with this venv's Python. PowerShell is not
installed here and cannot be (no package of it in the registries this project reaches), so the
Windows blocks are never run: they are parsed with the tree-sitter PowerShell grammar and
checked for the mistakes that break them in Windows PowerShell 5.1.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell

from reclaim.locker import LOW_MEMORY_PROFILE, Incident, Locker
from reclaim.packs import choose, export_pack

from ..lockers import SHARED_PASSPHRASE, copy_locker
from .conftest import Authority

NAMES = ["zrzut ekranu – groźba.png", "رسالة التهديد.txt", "notes.txt"]
SYSTEMS = ("Linux", "macOS", "Windows")
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    """One fenced command block of VERIFY.md, with the step and the systems it is for."""

    step: str
    systems: frozenset[str]
    language: str
    code: str


def blocks(text: str) -> list[Block]:
    """Return every fenced block, labelled by its step and by the paragraph before it."""
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        step = re.findall(r"^##+ (\d[ab]?)\.", before, flags=re.M)
        label = before.rstrip().rsplit("\n\n", 1)[-1].split(":", 1)[0]
        systems = frozenset(name for name in SYSTEMS if name in label)
        found.append(Block(step[-1] if step else "", systems, match[1], match[2]))
    return found


def commands(pack: Path, system: str, step: str) -> list[str]:
    """Return the shell blocks of ``step`` for ``system``, from the pack's own VERIFY.md."""
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    return [
        b.code
        for b in blocks(text)
        if b.step == step and system in b.systems and b.language == "sh"
    ]


def make_pack(root: Path, authorities: tuple[str, ...] = (), own_key: bool = False) -> Path:
    """A pack of three files, from a copy of the session's template locker (tests/lockers.py),
    or with ``own_key`` from a locker created here, whose signing key no other pack has."""
    if own_key:
        box, _ = Locker.create(root / "locker", SHARED_PASSPHRASE, LOW_MEMORY_PROFILE)
    else:
        box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    for number, name in enumerate(NAMES):
        box.add(bytes([number]) * (900 + number), name, "application/octet-stream")
    return export_pack(box, root / "pack", "JS", "Case", authorities=authorities)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pack(tmp_path_factory.mktemp("handcheck"))


def run(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run one block with bash in ``folder``; `python3` is this venv's, which has cryptography."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-c", code],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        check=False,
    )


def run_step(pack: Path, system: str, step: str) -> list[subprocess.CompletedProcess[str]]:
    codes = commands(pack, system, step)
    assert codes, f"VERIFY.md has no {system} commands for step {step}"
    return [run(code, pack) for code in codes]


def changed_copy(pack: Path, folder: Path, relative: str, change: str) -> Path:
    """Return a copy of the pack with one change to ``relative``: flip, line or truncate."""
    copy = folder / f"changed-{change}"
    shutil.copytree(pack, copy)
    path = copy / relative
    data = path.read_bytes()
    if change == "flip":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    elif change == "line":
        lines = data.splitlines(keepends=True)
        lines[1] = lines[1].replace(b'"actor":"owner"', b'"actor":"other"')
        data = b"".join(lines)
    elif change == "remove-line":
        lines = data.splitlines(keepends=True)
        data = b"".join(lines[:1] + lines[2:])
    path.write_bytes(data)
    return copy


def test_every_step_has_commands_for_linux_macos_and_windows(pack: Path) -> None:
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    found = blocks(text)
    for step in ("1", "2", "3", "4a", "6"):
        covered = set().union(*(b.systems for b in found if b.step == step))
        assert covered == set(SYSTEMS), f"step {step} covers only {sorted(covered)}"
    unlabelled = [b.code for b in found if not b.systems and b.language != "python"]
    assert not unlabelled, "every command block says which system it is for"


def test_linux_and_macos_checks_pass_on_a_fresh_pack(pack: Path) -> None:
    for system in ("Linux", "macOS"):
        for step in ("1", "2"):
            for result in run_step(pack, system, step):
                assert result.returncode == 0, result.stdout + result.stderr
                lines = result.stdout.splitlines()
                assert len(lines) >= 3 and all(line.endswith(": OK") for line in lines)
        (result,) = run_step(pack, system, "3")
        assert 'Good "reclaim-pack" signature for reclaim-locker' in result.stdout + result.stderr


def test_the_custody_checks_pass_on_a_fresh_pack_and_show_the_stated_key(pack: Path) -> None:
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    stated = re.search(r"^    (SHA256:\S+)$", text, flags=re.M)
    assert stated is not None
    for system in ("Linux", "macOS"):
        (script,) = run_step(pack, system, "4a")
        assert script.returncode == 0, script.stdout + script.stderr
        assert f"Key fingerprint: {stated[1]}" in script.stdout
        assert "Custody log OK: 4 lines" in script.stdout and "All 3 exhibits" in script.stdout
        chain, recorded = run_step(pack, system, "4b")
        assert "Custody chain OK: 4 lines" in chain.stdout, chain.stderr
        assert [line.split()[0] for line in recorded.stdout.splitlines()] == ["recorded"] * 3


@pytest.fixture(scope="module")
def part(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack of one incident of three: the custody lines of the other two are withheld."""
    root = tmp_path_factory.mktemp("handcheck-part")
    box, _ = copy_locker(root / "locker", SHARED_PASSPHRASE)
    chosen = box.add_incident(Incident("shared", "Posted on a forum"))
    for number, name in enumerate(NAMES):
        incident = box.add_incident(Incident("other", f"Another {number}"))
        box.add(bytes([number]) * 900, name, "application/octet-stream", "", incident.id)
    box.add(b"the chosen file", "chosen.png", "image/png", "", chosen.id)
    picked = choose(box, [chosen.id])
    return export_pack(box, root / "pack", "JS", "Part", picked.item_ids, incident_ids=[chosen.id])


def test_the_custody_checks_pass_on_a_pack_of_one_incident_and_count_withheld_lines(
    part: Path,
) -> None:
    withheld = (part / "custody/custody.jsonl").read_text().count('{"redacted":true,')
    assert withheld == 6  # the other incidents and their files
    for system in ("Linux", "macOS"):
        (script,) = run_step(part, system, "4a")
        assert script.returncode == 0, script.stdout + script.stderr
        assert "Custody log OK: 9 lines" in script.stdout
        assert f"{withheld} of them are withheld lines" in script.stdout
        chain, recorded = run_step(part, system, "4b")
        assert (
            "Custody chain OK: 9 lines, each following the one before and signed by this key "
            f"({withheld} withheld)" in chain.stdout
        ), chain.stdout + chain.stderr
        assert [line.split()[0] for line in recorded.stdout.splitlines()] == ["recorded"]


def test_a_withheld_line_with_a_changed_digest_fails_the_custody_checks(
    part: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(part, copy)
    log = copy / "custody/custody.jsonl"
    lines = log.read_text().splitlines()
    last = max(n for n, line in enumerate(lines) if line.startswith('{"redacted":true,'))
    lines[last] = re.sub(r'"sha256":"[0-9a-f]{64}"', '"sha256":"' + "1" * 64 + '"', lines[last])
    log.write_text("\n".join(lines) + "\n")
    (script,) = run_step(copy, "Linux", "4a")
    assert script.returncode != 0 and f"line {last + 2} does not follow" in script.stdout
    chain, _ = run_step(copy, "Linux", "4b")
    assert f"BROKEN CHAIN at line {last + 2}" in chain.stdout


def test_a_changed_exhibit_fails_the_documented_checks(pack: Path, tmp_path: Path) -> None:
    exhibit = next(p for p in (pack / "data/exhibits").iterdir() if p.name.startswith("JS-2_"))
    copy = changed_copy(pack, tmp_path, str(exhibit.relative_to(pack)), "flip")
    for system in ("Linux", "macOS"):
        (payload,) = run_step(copy, system, "1")
        assert payload.returncode != 0 and f"{exhibit.relative_to(pack)}: FAILED" in payload.stdout
        (script,) = run_step(copy, system, "4a")
        assert script.returncode != 0
        assert "PROBLEM: exhibit JS-2 was not recorded as added" in script.stdout
        assert "The custody log does NOT check out." in script.stderr
        _, recorded = run_step(copy, system, "4b")
        assert f"NOT RECORDED  {exhibit.relative_to(pack)}" in recorded.stdout


def test_an_exhibit_changed_with_its_manifest_line_fails_the_custody_checks(
    pack: Path, tmp_path: Path
) -> None:
    exhibit = next(p for p in (pack / "data/exhibits").iterdir() if p.name.startswith("JS-3_"))
    relative = str(exhibit.relative_to(pack))
    copy = changed_copy(pack, tmp_path, relative, "flip")
    manifest = copy / "manifest-sha256.txt"
    old, new = (hashlib.sha256(p.read_bytes()).hexdigest() for p in (exhibit, copy / relative))
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    (payload,) = run_step(copy, "Linux", "1")
    assert payload.returncode == 0, "step 1 alone cannot see this change"
    (script,) = run_step(copy, "Linux", "4a")
    assert "PROBLEM: exhibit JS-3 was not recorded as added" in script.stdout
    _, recorded = run_step(copy, "Linux", "4b")
    assert f"NOT RECORDED  {relative}" in recorded.stdout


def test_a_changed_custody_line_fails_the_documented_checks(pack: Path, tmp_path: Path) -> None:
    copy = changed_copy(pack, tmp_path, "custody/custody.jsonl", "line")
    assert (
        copy.joinpath("custody/custody.jsonl").read_bytes()
        != (pack / "custody/custody.jsonl").read_bytes()
    )
    for system in ("Linux", "macOS"):
        (tags,) = run_step(copy, system, "2")
        assert "custody/custody.jsonl: FAILED" in tags.stdout
        (script,) = run_step(copy, system, "4a")
        assert script.returncode != 0
        assert "PROBLEM: line 2 was changed or damaged" in script.stdout
        chain, _ = run_step(copy, system, "4b")
        assert "BAD SIGNATURE at line 2" in chain.stdout
        assert "The custody log does NOT check out." in chain.stdout
        assert "Custody chain OK" not in chain.stdout


def test_a_removed_custody_line_breaks_the_chain(pack: Path, tmp_path: Path) -> None:
    copy = changed_copy(pack, tmp_path, "custody/custody.jsonl", "remove-line")
    for system in ("Linux", "macOS"):
        (script,) = run_step(copy, system, "4a")
        assert "PROBLEM: line 2 does not follow the line before it" in script.stdout
        chain, _ = run_step(copy, system, "4b")
        assert "BROKEN CHAIN at line 2" in chain.stdout
        assert "Custody chain OK" not in chain.stdout


def test_a_changed_signature_fails_step_3(pack: Path, tmp_path: Path) -> None:
    copy = changed_copy(pack, tmp_path, "tagmanifest-sha256.txt.sig", "flip")
    (result,) = run_step(copy, "Linux", "3")
    assert result.returncode != 0
    assert "Could not verify signature" in result.stdout + result.stderr
    assert "Good" not in result.stdout + result.stderr


def test_a_key_swapped_for_another_fails_the_custody_script(pack: Path, tmp_path: Path) -> None:
    other = make_pack(tmp_path / "other", own_key=True)  # not the template's key
    copy = tmp_path / "swapped"
    shutil.copytree(pack, copy)
    shutil.copy(other / "custody/locker_ed25519.pem", copy / "custody/locker_ed25519.pem")
    (script,) = run_step(copy, "Linux", "4a")
    assert script.returncode != 0
    assert "PROBLEM: line 1 was changed or damaged: it is not what the key signed" in script.stdout
    chain, _ = run_step(copy, "Linux", "4b")
    assert "BAD SIGNATURE at line 1" in chain.stdout


def test_the_shipped_script_is_the_one_printed_and_runs_as_printed(pack: Path) -> None:
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    (printed,) = [b.code for b in blocks(text) if b.language == "python"]
    assert (pack / "check_custody.py").read_text(encoding="utf-8") == printed
    result = subprocess.run(
        [sys.executable, "-c", printed], cwd=pack, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Custody log OK" in result.stdout, result.stderr
    imports = set(re.findall(r"^(?:from|import) (\w+)", printed, flags=re.M))
    assert imports <= {"base64", "hashlib", "json", "sys", "pathlib", "cryptography"}


def test_the_pem_key_and_the_script_are_covered_by_the_signed_tag_manifest(pack: Path) -> None:
    covered = (pack / "tagmanifest-sha256.txt").read_text().split()
    assert {"custody/locker_ed25519.pem", "check_custody.py", "VERIFY.md"} <= set(covered)


def test_openssl_pkeyutl_verifies_a_custody_line_with_the_pem_key(
    pack: Path, tmp_path: Path
) -> None:
    line = (pack / "custody/custody.jsonl").read_bytes().splitlines()[1]
    signed, _, signature = line.rpartition(b',"signature":"')
    (tmp_path / "msg").write_bytes(signed + b"}")
    (tmp_path / "sig").write_bytes(bytes.fromhex(signature[:-2].decode()))
    result = subprocess.run(
        [
            *("openssl", "pkeyutl", "-verify", "-pubin", "-rawin"),
            *("-inkey", str(pack / "custody/locker_ed25519.pem")),
            *("-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout


def test_the_timestamp_step_runs_as_printed(authority: Authority, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    shutil.copy(authority.root, pack / "ROOT.pem")
    for system in ("Linux", "macOS"):
        (result,) = run_step(pack, system, "6")
        assert "Verification: OK" in result.stdout, result.stderr
    copy = changed_copy(pack, tmp_path, "tagmanifest-sha256.txt", "flip")
    (result,) = run_step(copy, "Linux", "6")
    assert result.returncode != 0 and "Verification: FAILED" in result.stdout


# Windows PowerShell 5.1 (the one in Windows) has no `<` redirection and no `&&` or `||`, reads
# files as the local code page unless told UTF-8, and pipes text, not bytes, into programs.
POWERSHELL_MISTAKES = {
    r"(?<![\"'])<": 'PowerShell has no < redirection: use cmd /c "... < file"',
    r"&&|\|\|": "Windows PowerShell 5.1 has no && or ||",
    r"Get-Content(?![^\n]*-Encoding UTF8)": "Get-Content without -Encoding UTF8 misreads names",
    r"\|\s*(ssh-keygen|openssl)": "piping into a program changes the bytes it gets",
    r"\b(sha256sum|shasum|xxd|sed|grep|python3)\b": "a tool Windows does not have",
}


def test_windows_blocks_avoid_what_breaks_in_windows_powershell(pack: Path) -> None:
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    windows = [b.code for b in blocks(text) if "Windows" in b.systems]
    assert len(windows) >= 5 and all(
        b.language == "powershell" for b in blocks(text) if "Windows" in b.systems
    )
    for code in windows:
        outside_quotes = re.sub(r'"[^"\n]*"', '""', code)
        for pattern, why in POWERSHELL_MISTAKES.items():
            target = code if "Get-Content" in pattern else outside_quotes
            assert not re.search(pattern, target), f"{why}:\n{code}"
        for opening, closing in ("{}", "()"):
            assert code.count(opening) == code.count(closing), code
        assert code.count('"') % 2 == 0 and code.count("'") % 2 == 0, code


def test_the_powershell_mistake_checks_catch_each_mistake() -> None:
    mistakes = [
        "ssh-keygen -Y verify -s x.sig < tagmanifest-sha256.txt",
        "sha256sum -c manifest-sha256.txt && echo ok",
        "foreach ($line in Get-Content manifest-sha256.txt) { $line }",
        "Get-Content -Raw tagmanifest-sha256.txt | ssh-keygen -Y verify",
        "shasum -a 256 -c manifest-sha256.txt",
    ]
    for code, (pattern, _) in zip(mistakes, POWERSHELL_MISTAKES.items(), strict=True):
        outside_quotes = re.sub(r'"[^"\n]*"', '""', code)
        assert re.search(pattern, code if "Get-Content" in pattern else outside_quotes), code


WINDOWS_COMMANDS = {"Get-Content", "Get-FileHash", "cmd", "py"}


def powershell_problems(code: str) -> list[str]:
    """Return what the PowerShell grammar finds wrong: syntax errors, `<`, unknown commands."""
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    nodes = [parser.parse(code.encode()).root_node]
    problems = []
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children)
        text = (node.text or b"").decode()
        if node.type == "ERROR" or node.is_missing:
            problems.append(f"syntax error at {node.start_point}: {text!r}")
        elif node.type == "file_redirection_operator" and text.startswith("<"):
            problems.append("< redirection, which PowerShell does not have")
        elif node.type == "command_name" and text not in WINDOWS_COMMANDS:
            problems.append(f"a command this check does not expect on Windows: {text}")
    return problems


def test_windows_blocks_parse_as_powershell(pack: Path) -> None:
    text = (pack / "VERIFY.md").read_text(encoding="utf-8")
    windows = [block.code for block in blocks(text) if "Windows" in block.systems]
    assert len(windows) >= 5, "steps 1, 2, 3, 4 and 6 each have Windows commands"
    for code in windows:
        assert powershell_problems(code) == [], code


def test_the_powershell_parse_catches_broken_blocks() -> None:
    assert powershell_problems('foreach ($x in $y) { "a" ')
    assert powershell_problems("ssh-keygen -Y verify -s x.sig < tagmanifest-sha256.txt")
    assert powershell_problems("sha256sum -c manifest-sha256.txt")
