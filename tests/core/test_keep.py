"""keep_file, the one way a file enters the locker (both doors: tests/web/test_keep_file.py)."""

import io
from pathlib import Path

import pytest
from PIL import Image

from reclaim.locker import Incident, Locker, Under18Error, keep_file

from ..lockers import SHARED_PASSPHRASE, copy_locker

PASSPHRASE = SHARED_PASSPHRASE


@pytest.fixture
def box(tmp_path: Path) -> Locker:
    return copy_locker(tmp_path / "locker", PASSPHRASE)[0]


class Unreadable(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("nothing of the file may be read")


def test_an_under_18_incident_is_refused_before_any_byte_is_read(box: Locker) -> None:
    child = box.add_incident(Incident("shared", "school photo", under_18=True))
    with pytest.raises(Under18Error):
        keep_file(box, Unreadable(), "photo.png", incident=child.id)
    assert box.items() == []


def test_keeps_the_whole_file_with_the_type_from_its_first_bytes(box: Locker) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(picture, "PNG")
    picture.read()  # something read it before: it is kept whole all the same
    item = keep_file(box, picture, "holiday.txt", note="from a chat")
    assert (item.media_type, item.details["width"], item.details["readable"]) == (
        "image/png",
        "40",
        "yes",
    )
    assert b"".join(box.read(item.id)) == picture.getvalue()
    assert item.note == "from a chat"
