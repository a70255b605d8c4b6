"""Merkle trees over items: every leaf's path leads to the root, nothing else does."""

import hashlib

import pytest

from reclaim.signing.merkle import (
    LEFT,
    MerkleError,
    build_tree,
    leaf_hash,
    node_hash,
    root_data,
    root_from_path,
)


def leaves(count: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(bytes([n])).hexdigest(), f"{n:032x}") for n in range(count)]


@pytest.mark.parametrize("count", range(1, 10))
def test_every_leaf_leads_to_the_root_and_no_other_leaf_does(count: int) -> None:
    hashes = leaves(count)
    root, paths = build_tree(hashes)
    for number, (leaf, path) in enumerate(zip(hashes, paths, strict=True)):
        assert root_from_path(leaf, path) == root
        other = hashes[(number + 1) % count]
        assert count == 1 or root_from_path(other, path) != root


def test_the_tree_is_the_one_rfc_6962_defines() -> None:
    a, b, c = leaves(3)
    assert build_tree([a, b, c])[0] == node_hash(node_hash(a, b), c)
    digest = hashlib.sha256(b"x").hexdigest()
    item = "0" * 32
    expected = hashlib.sha256(b"\x00" + bytes.fromhex(digest) + item.encode()).digest()
    assert leaf_hash(digest, item) == expected
    assert root_data(expected) == expected.hex().encode() + b"\n"


def test_a_leaf_with_another_digest_or_id_is_another_leaf() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert leaf_hash(digest, "a" * 32) != leaf_hash(digest, "b" * 32)
    assert leaf_hash(digest, "a" * 32) != leaf_hash(hashlib.sha256(b"y").hexdigest(), "a" * 32)


@pytest.mark.parametrize("path", [((LEFT, "zz"),), (("up", "00" * 32),), ((LEFT, "00" * 31),)])
def test_a_malformed_proof_is_refused_clearly(path: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(MerkleError):
        root_from_path(leaves(1)[0], path)


def test_no_leaves_and_bad_digests_are_refused() -> None:
    with pytest.raises(MerkleError):
        build_tree([])
    with pytest.raises(MerkleError):
        leaf_hash("not hex", "a")
