"""Compile the interface translations (locale/*/LC_MESSAGES/django.po) into .mo files.

Done in Python with polib at start-up, so a fresh machine needs no GNU gettext tools.
"""

import os
import tempfile
from pathlib import Path

import polib


def compile_catalogs(locale_dir: Path) -> list[Path]:
    """Compile every .po newer than its .mo; return the .mo files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = polib.pofile(str(po_path))
        # Write beside the target, then rename: several workers may start at once.
        handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        os.close(handle)
        catalog.save_as_mofile(temporary)
        os.replace(temporary, mo_path)
        written.append(mo_path)
    return written
