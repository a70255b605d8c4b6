"""Uploads into the locker: sealed on disk while they arrive, and stopped when too large.

Django's usual handlers would write the person's picture in plaintext to the temporary
folder. This one seals every chunk as it arrives (reclaim.locker's SealedSpool, with a key
that lives only in memory for this request) and stops reading past MAX_UPLOAD_BYTES; the view
then says so and keeps what the person typed.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from reclaim.locker import SealedSpool

UPLOADS_FOLDER = "uploads"
# Room in an upload's body for the form around the file (its note, incident and the multipart
# headers): a file a little over MAX_UPLOAD_BYTES still reaches the page, which says so and
# keeps what was typed; a body past this is refused before it is read (safety/bodies.py).
UPLOAD_FORM_BYTES = 1024 * 1024


def upload_body_bytes() -> int:
    """Return the largest body the upload page takes (from a person whose locker is open)."""
    return int(settings.MAX_UPLOAD_BYTES) + UPLOAD_FORM_BYTES


class SealedUploadHandler(FileUploadHandler):
    """Receive a file into a SealedSpool, refusing more than MAX_UPLOAD_BYTES."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        folder = Path(settings.DATA_DIR) / UPLOADS_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self.spool = SealedSpool(folder)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.spool.size + len(raw_data) > settings.MAX_UPLOAD_BYTES:
            self.spool.close()
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=False)  # read and drop the rest, then answer
        self.spool.write(raw_data)

    def file_complete(self, file_size: int) -> "UploadedFile[bytes]":
        self.spool.seek(0)
        return UploadedFile(
            self.spool,  # type: ignore[arg-type]  # reads like a file; Django only reads it
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
