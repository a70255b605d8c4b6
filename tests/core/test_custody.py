"""The custody entry's canonical bytes: what signatures and the chain are computed over."""

import dataclasses
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reclaim.locker._custody import CustodyEntry, new_entry, verify_chain

MOMENT = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)


def _reference_line(entry: CustodyEntry, signed: bool = True) -> bytes:
    """The bytes as first written, through dataclasses.asdict: what every stored log holds."""
    content = dataclasses.asdict(entry)
    if not signed:
        del content["signature"]
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _entries() -> list[CustodyEntry]:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    first = new_entry(None, "locker-created", "owner", key, details={"key": "SHA256:x"}, now=MOMENT)
    second = new_entry(first, "item-added", "owner", key, "a" * 32, {"name": 'été \u2603 "q"'})
    third = new_entry(second, "pack-exported", "owner", key, None, {}, now=MOMENT)
    return [first, second, third]


@pytest.mark.parametrize("index", range(3))
def test_line_is_byte_identical_to_the_asdict_form(index: int) -> None:
    entry = _entries()[index]
    assert entry.line() == _reference_line(entry)
    assert entry.unsigned_bytes() == _reference_line(entry, signed=False)


def test_every_field_is_in_the_line() -> None:
    entry = _entries()[1]
    assert set(json.loads(entry.line())) == {each.name for each in dataclasses.fields(entry)}
    assert "signature" not in json.loads(entry.unsigned_bytes())


def test_chain_of_new_entries_verifies() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    verify_chain(_entries(), key.public_key())
