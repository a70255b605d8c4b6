"""`reclaim hash PATH...`: hashes of files, computed here and sent nowhere.

One JSON line per file on standard output; a progress bar on standard error when it is a
terminal and there are many files; a plain line on standard error for each file that could
not be hashed (and exit status 1 if there was any).
"""

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

PROGRESS_FROM_FILES = 20  # fewer files than this finish before a bar is worth drawing
SNIFF_BYTES = 64 * 1024


def add_verb(verbs: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `reclaim hash` to the command line."""
    verb = verbs.add_parser(
        "hash", help="hash images and videos on this device (PDQ, vPDQ, MD5, SHA-256)"
    )
    verb.add_argument("paths", nargs="+", type=Path, help="files or folders (searched inside)")
    verb.set_defaults(run=_hash)


def files_in(paths: list[Path]) -> Iterator[Path]:
    """Yield the files named, and those inside the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def describe(path: Path) -> dict[str, object]:
    """Return the hashes of one file as a JSON-ready dict; raise ReclaimError or OSError."""
    from reclaim.hashing import digests, pdq_from_image, vpdq_from_video
    from reclaim.locker import IntakeError, sniff

    with path.open("rb") as file:
        head = file.read(SNIFF_BYTES)
    try:
        kind = sniff(head, path.name).kind
    except IntakeError:
        kind = "other"
    found = digests(path)
    line: dict[str, object] = {"path": str(path), "kind": kind}
    if kind == "image":
        signal = pdq_from_image(path)
        line |= {
            "pdq": signal.hash.hex,
            "quality": signal.quality,
            "dihedral": {name: value.hex for name, value in signal.dihedral.items()},
        }
    line |= {"md5": found.md5, "sha256": found.sha256}
    if kind == "video":
        line["vpdq"] = [str(frame) for frame in vpdq_from_video(path)]
    return line


def _hash(arguments: argparse.Namespace) -> int:
    from reclaim.errors import ReclaimError

    files = list(files_in(arguments.paths))
    show_bar = sys.stderr.isatty() and len(files) >= PROGRESS_FROM_FILES
    failed = 0
    for number, path in enumerate(files, 1):
        try:
            print(json.dumps(describe(path)), flush=True)
        except (ReclaimError, OSError) as error:
            failed += 1
            print(f"\rreclaim: could not hash {path}: {error}", file=sys.stderr)
        if show_bar:
            _draw(number, len(files))
    if show_bar:
        print(file=sys.stderr)
    return 1 if failed else 0


def _draw(done: int, total: int, width: int = 30) -> None:
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total}", end="", file=sys.stderr, flush=True)
