"""Saving the multi-index to a folder, and loading it back memory-mapped for a fast restart.

A folder holds:

    manifest.json             what to load: settings, segments in order, the state folder
    seg-<name>/*.npy          one immutable segment: ids, words, offsets, order
    state-<token>/*.npy       what changes between saves: withdrawn rows, the memtable

Segments never change once written, so a save writes only segments the folder lacks, then a
new state folder, then replaces manifest.json in one rename. Every folder is written under a
tmp- name and renamed when complete, so a crash at any point leaves the previous manifest and
everything it names in place: the old index stays loadable. Leftovers are swept on the next
save. Arrays are .npy files read with allow_pickle=False: nothing is ever unpickled.
"""

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reclaim.files import remove_temporaries, sync_folder, write_atomically
from reclaim.matching._segment import Segment
from reclaim.matching._types import WORDS_PER_HASH, Ids, MatchingError, Words

MANIFEST = "manifest.json"
FORMAT = 1
SEGMENT_ARRAYS = ("ids", "words", "offsets", "order")
_OURS = ("seg-", "state-", "tmp-")


@dataclass
class Saved:
    """Everything a multi-index needs to come back as it was."""

    max_radius: int
    memtable_rows: int
    segments: list[Segment]
    memtable: tuple[Ids, Words]


def save(folder: Path, saved: Saved) -> None:
    """Write the index into folder so that a crash at any point leaves the old one loadable."""
    folder.mkdir(parents=True, exist_ok=True)
    for segment in saved.segments:
        if not (folder / f"seg-{segment.name}").is_dir():
            arrays: dict[str, NDArray[Any]] = {n: getattr(segment, n) for n in SEGMENT_ARRAYS}
            _write_folder(folder / f"seg-{segment.name}", arrays)
    state = f"state-{uuid.uuid4().hex}"
    changes: dict[str, NDArray[Any]] = {
        f"dead-{s.name}": np.flatnonzero(s.dead) for s in saved.segments
    }
    changes |= {"memtable-ids": saved.memtable[0], "memtable-words": saved.memtable[1]}
    _write_folder(folder / state, changes)
    write_atomically(folder / MANIFEST, json.dumps(_manifest(saved, state), indent=1).encode())
    remove_temporaries(folder)  # a manifest write a crash cut short
    keep = {state} | {f"seg-{s.name}" for s in saved.segments}
    for entry in folder.iterdir():
        if entry.name.startswith(_OURS) and entry.name not in keep:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def load(folder: Path) -> Saved:
    """Return the index saved in folder, its segments memory-mapped; MatchingError if none."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        state = folder / manifest["state"]
        segments = [_load_segment(folder, state, entry) for entry in manifest["segments"]]
        memtable = (_array(state, "memtable-ids"), _array(state, "memtable-words"))
        saved = Saved(manifest["max_radius"], manifest["memtable_rows"], segments, memtable)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MatchingError(f"no readable index in {folder}: {error}") from error
    if manifest.get("format") != FORMAT or memtable[1].shape[1:] != (WORDS_PER_HASH,):
        raise MatchingError(f"the index in {folder} is not in format {FORMAT}")
    return saved


def _manifest(saved: Saved, state: str) -> dict[str, object]:
    segments = [{"name": s.name, "rows": s.rows, "widths": list(s.widths)} for s in saved.segments]
    return {
        "format": FORMAT,
        "max_radius": saved.max_radius,
        "memtable_rows": saved.memtable_rows,
        "segments": segments,
        "state": state,
    }


def _load_segment(folder: Path, state: Path, entry: dict[str, object]) -> Segment:
    name, rows = str(entry["name"]), entry["rows"]
    arrays = [_array(folder / f"seg-{name}", part, mapped=True) for part in SEGMENT_ARRAYS]
    ids, words, offsets, order = arrays
    if len(ids) != rows or words.shape != (rows, WORDS_PER_HASH):
        raise ValueError(f"segment {name} does not hold {rows} entries")
    dead = np.zeros(len(ids), dtype=np.bool_)
    dead[_array(state, f"dead-{name}")] = True
    widths = entry["widths"]
    if not isinstance(widths, list):
        raise ValueError(f"segment {name} has no chunk widths")
    return Segment(name, ids, words, tuple(int(w) for w in widths), (offsets, order), dead)


def _array(folder: Path, name: str, mapped: bool = False) -> NDArray[Any]:
    array: NDArray[Any] = np.load(
        folder / f"{name}.npy", mmap_mode="r" if mapped else None, allow_pickle=False
    )
    return array


def _write_folder(target: Path, arrays: Mapping[str, NDArray[Any]]) -> None:
    """Write arrays as .npy files into a tmp- folder, make them durable, rename to target."""
    scratch = target.with_name(f"tmp-{uuid.uuid4().hex}")
    scratch.mkdir()
    for name, array in arrays.items():
        with open(scratch / f"{name}.npy", "wb") as file:
            np.save(file, np.asarray(array), allow_pickle=False)
            file.flush()
            os.fsync(file.fileno())
    sync_folder(scratch)
    scratch.rename(target)
    sync_folder(target.parent)
