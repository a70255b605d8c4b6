"""What a case lends its removal requests: the PDQ hashes of its pictures.

A re-check compares the images a page shows with these hashes, so that it can tell the page
still shows the picture even when the page itself changed.
"""

import io

from reclaim.hashing import MAX_DECODED_PIXELS, HashError, pdq_from_image
from reclaim.locker import Locker

MAX_HASHED_BYTES = 50 * 1024 * 1024  # larger pictures are not hashed for re-checks


def case_hashes(
    box: Locker, incident_id: str = "", max_bytes: int = MAX_HASHED_BYTES
) -> tuple[str, ...]:
    """Return the PDQ hashes (hex) of the case's pictures: the incident's, or all of them.

    Pictures larger than ``max_bytes``, or than a server decodes (MAX_DECODED_PIXELS), and
    pictures with too little detail for a match to mean anything are left out; each hash
    appears once, in the locker's order.
    """
    hashes = []
    for item in box.items():
        if not item.media_type.startswith("image/") or item.size > max_bytes:
            continue
        if incident_id and item.incident != incident_id:
            continue
        try:
            picture = io.BytesIO(b"".join(box.read(item.id)))
            signal = pdq_from_image(picture, max_decoded_pixels=MAX_DECODED_PIXELS)
        except HashError:
            continue
        if signal.reliable:
            hashes.append(str(signal.hash))
    return tuple(dict.fromkeys(hashes))
