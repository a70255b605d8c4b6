"""Keep a file in the locker: the one way in for a file, from the web page and the command line.

Both doors used to differ: the web read the type from the file's first bytes and refused
files made to crash programs, while the command line guessed the type from the name and took
anything. Now both call ``keep_file``, so a file is refused, or kept with the same details,
whichever door it came through.
"""

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, BinaryIO

from reclaim.locker._intake import SNIFF_BYTES, read_metadata, sniff

if TYPE_CHECKING:  # the package's names, so that this module follows wherever they live
    from reclaim.locker import EvidenceItem, Locker


def keep_file(
    locker: "Locker",
    source: BinaryIO | bytes,
    name: str,
    *,
    note: str = "",
    incident: str | None = None,
    origin: Mapping[str, str] | None = None,
) -> "EvidenceItem":
    """Check a file and keep it, its bytes untouched; return the stored item.

    ``source`` is read from its start, so it must be seekable (a file, a spool, BytesIO).

    The type comes from the first bytes (``name`` only tells text files apart); a picture's
    size, EXIF and whether it decodes become the item's details. ``origin`` is where the file
    came from (its name, its file times), kept in the custody entry. Raises Under18Error for
    an incident that takes no files, before anything is read, and IntakeError for a file the
    locker will not take (empty, of a kind it does not take, or a picture claiming to be
    impossibly large). A damaged picture is kept, marked ``readable: no``: its bytes are
    still evidence.
    """
    locker.check_media_allowed(incident)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    stream.seek(0)  # the whole file, whatever read it before (a form's checks, say)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    file_type = sniff(head, name)
    details = read_metadata(stream, file_type)  # leaves the stream where it was
    return locker.add(
        stream,
        name,
        file_type.media_type,
        note=note,
        incident=incident,
        details=details,
        origin=origin,
    )
