"""SealedFolder: the one way the locker seals a small file, writes it whole, and reads it back."""

import os
from pathlib import Path

import pytest

from reclaim.locker import CorruptLockerError
from reclaim.locker._sealed import SealedFolder

MASTER = bytes(range(32))


def test_a_value_comes_back_and_is_not_stored_in_the_clear(tmp_path: Path) -> None:
    folder = SealedFolder(tmp_path / "records", MASTER, "record")
    folder.write_json("a1", {"name": "photo.jpg"})
    assert folder.read_object("a1", "the record of item a1") == {"name": "photo.jpg"}
    assert b"photo.jpg" not in (tmp_path / "records" / "a1").read_bytes()
    assert (tmp_path / "records").stat().st_mode & 0o777 == 0o700


def test_a_file_moved_to_another_name_is_refused_as_damaged(tmp_path: Path) -> None:
    folder = SealedFolder(tmp_path / "records", MASTER, "record")
    folder.write_json("a1", {"name": "one"})
    folder.write_json("b2", {"name": "two"})
    os.replace(tmp_path / "records" / "a1", tmp_path / "records" / "b2")
    with pytest.raises(CorruptLockerError, match="the record of item b2 is missing or damaged"):
        folder.read_object("b2", "the record of item b2")


def test_the_same_name_in_another_folder_does_not_unseal(tmp_path: Path) -> None:
    SealedFolder(tmp_path / "incidents", MASTER, "incident").write("a1", b"{}")
    os.replace(tmp_path / "incidents", tmp_path / "requests")
    with pytest.raises(CorruptLockerError, match="removal request a1"):
        SealedFolder(tmp_path / "requests", MASTER, "request").read("a1", "removal request a1")


def test_a_missing_file_or_one_holding_no_object_is_damage(tmp_path: Path) -> None:
    folder = SealedFolder(tmp_path / "timestamps", MASTER, "timestamp")
    with pytest.raises(CorruptLockerError, match="the queue is missing or damaged"):
        folder.read("pending", "the queue", aad=b"timestamps-pending")
    folder.write_json("list", [1, 2])
    with pytest.raises(CorruptLockerError, match="holds no JSON object"):
        folder.read_object("list", "the list")
