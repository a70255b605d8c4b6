"""Evidence packs from the web: written to a scratch folder, handed over as one file.

The pack is a folder (a BagIt bag); the browser gets it as a ZIP, or, for a recipient's age
key, as an encrypted tar. The scratch folder is private (0700) and removed before the
download starts: the open file stays readable until it has been sent, and nothing else of it
stays on disk. If the process is killed mid-export, the next export removes what it left.
"""

import datetime
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from reclaim.locker import Locker, scratch_folder
from reclaim.packs import choose, encrypt_pack, export_pack, scope_words
from reclaim.web.evidence.tasks import SCRATCH_EXPORTS


def download(box: Locker, choice: dict[str, Any]) -> FileResponse:
    """Export the chosen part of the case; return the pack as a download."""
    since = choice["since"].isoformat() if choice["since"] else None
    until = choice["until"].isoformat() if choice["until"] else None
    chosen = choose(box, choice["incidents"], since, until)
    name = f"evidence-pack-{datetime.date.today().isoformat()}"
    # A private scratch folder (reclaim.locker's scratch): one a killed process left behind is
    # removed by the next export.
    with scratch_folder(Path(settings.DATA_DIR) / SCRATCH_EXPORTS, "export") as scratch:
        work = scratch.path
        pack = export_pack(
            box,
            work / name,
            choice["initials"],
            choice["title"],
            item_ids=chosen.item_ids,
            authorities=settings.TIMESTAMP_AUTHORITIES,
            scope=scope_words(box, choice["incidents"], since, until),
            incident_ids=chosen.incident_ids,
            time_zone=timezone.get_current_timezone_name(),  # the person's (web.zones)
        )
        if settings.TIMESTAMP_AUTHORITIES:
            box.retry_timestamps()
            box.timestamp_log_head(settings.TIMESTAMP_AUTHORITIES)
        if choice["encrypt_to"]:
            bundle = work / f"{name}.tar.age"
            encrypt_pack(pack, choice["encrypt_to"], bundle)
        else:
            bundle = _zip(pack, work / f"{name}.zip")
        handle = bundle.open("rb")
    return FileResponse(handle, as_attachment=True, filename=bundle.name)


def _zip(pack: Path, destination: Path) -> Path:
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pack.rglob("*")):
            if path.is_file():
                archive.write(path, Path(pack.name) / path.relative_to(pack))
    return destination
