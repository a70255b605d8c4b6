"""Merkle trees over evidence items, so one timestamp token covers a batch of items.

The tree is the one RFC 6962 (and RFC 9162) defines, with its domain separation so that a
leaf can never pass for a node (no second preimage by moving a level):

    leaf = SHA-256(0x00 || the item's SHA-256 digest (32 bytes) || the item id (ASCII))
    node = SHA-256(0x01 || left || right)

A list of n > 1 leaves splits at the largest power of two below n. An item's proof is the list
of sibling hashes from its leaf up to the root, each marked "left" or "right" by where the
sibling sits; anyone can recompute the root from the exhibit's digest with hashlib alone.
The authority timestamps the root written as 64 hex digits and a newline (``root_data``).
"""

import hashlib

from reclaim.errors import ReclaimError

LEFT, RIGHT = "left", "right"
Path = tuple[tuple[str, str], ...]  # (side of the sibling, sibling hash in hex), leaf first


class MerkleError(ReclaimError):
    """A proof is malformed, or there are no leaves to build a tree from."""


def leaf_hash(sha256_hex: str, item_id: str) -> bytes:
    """Return the leaf of an item with this SHA-256 digest (hex) and id."""
    try:
        digest = bytes.fromhex(sha256_hex)
    except ValueError:
        raise MerkleError(f"{sha256_hex!r} is not a SHA-256 digest") from None
    if len(digest) != 32:
        raise MerkleError(f"{sha256_hex!r} is not a SHA-256 digest")
    return hashlib.sha256(b"\x00" + digest + item_id.encode("ascii")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the parent of two nodes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def build_tree(leaves: list[bytes]) -> tuple[bytes, list[Path]]:
    """Return the root of ``leaves`` and each leaf's proof path, in the leaves' order."""
    if not leaves:
        raise MerkleError("a tree needs at least one leaf")
    if len(leaves) == 1:
        return leaves[0], [()]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two below n
    left, left_paths = build_tree(leaves[:split])
    right, right_paths = build_tree(leaves[split:])
    paths = [(*p, (RIGHT, right.hex())) for p in left_paths]
    paths += [(*p, (LEFT, left.hex())) for p in right_paths]
    return node_hash(left, right), paths


def root_from_path(leaf: bytes, path: Path) -> bytes:
    """Return the root that ``path`` leads to from ``leaf``; raise MerkleError if malformed."""
    current = leaf
    for side, sibling_hex in path:
        try:
            sibling = bytes.fromhex(sibling_hex)
        except (ValueError, TypeError):
            raise MerkleError("a proof step is not a hash") from None
        if len(sibling) != 32 or side not in (LEFT, RIGHT):
            raise MerkleError("a proof step is malformed")
        current = node_hash(sibling, current) if side == LEFT else node_hash(current, sibling)
    return current


def root_data(root: bytes) -> bytes:
    """Return the exact bytes an authority timestamps for a batch: the root in hex, a newline."""
    return root.hex().encode("ascii") + b"\n"
