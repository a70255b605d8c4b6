"""Quarantine: where files the custody log does not name are moved, never deleted.

A crash between writing an item's files and committing its custody entry leaves files no
entry names; so may a restored backup or a hand edit. They may be evidence: they are moved
to quarantine/<time>/<folder>/ for the person to look at, and reported.
"""

import datetime
import os
from collections.abc import Mapping
from pathlib import Path

from reclaim.files import sync_folder

QUARANTINE = "quarantine"
FOLDERS = ("records", "blobs", "incidents", "requests", "referrals")


def unnamed(root: Path, named: Mapping[str, set[str]]) -> list[Path]:
    """Return the files of the item folders that ``named`` (folder -> names) leaves out."""
    found = []
    for folder in FOLDERS:
        if folder not in named or not (root / folder).is_dir():
            continue
        found += [
            path
            for path in sorted((root / folder).iterdir())
            if path.name not in named[folder] and not _temporary(path)
        ]
    return found


def quarantine(root: Path, paths: list[Path]) -> list[Path]:
    """Move ``paths`` into a new quarantine folder; return where each went."""
    if not paths:
        return []
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    moved = []
    for path in paths:
        target = root / QUARANTINE / stamp / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, target)
        sync_folder(target.parent)
        sync_folder(path.parent)
        moved.append(target)
    return moved


def quarantined(root: Path) -> list[Path]:
    """Return every file in quarantine."""
    folder = root / QUARANTINE
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


def _temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")
