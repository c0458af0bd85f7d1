"""The Merkle Tree Hash of RFC 9162 (Certificate Transparency v2), section 2.1.1.

For a list of n leaves D[n] = {d(0), ..., d(n-1)}:

- MTH({}) = SHA-256() — the hash of the empty string;
- MTH({d(0)}) = SHA-256(0x00 || d(0));
- for n > 1, with k the largest power of two smaller than n:
  MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).

The 0x00 / 0x01 prefixes keep a leaf from ever being mistaken for an inner node (second-preimage
resistance). Anchors (``hotline events anchor``) publish this root over every stream's head, so
anyone holding the checkpoint can recompute it from the heads with any RFC 9162 implementation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 9162 splits a tree."""
    if n < 2:
        raise ValueError("a tree of fewer than two leaves is not split")
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    # Index ranges instead of list slices: one pass over a million leaves copies nothing.
    n = end - start
    if n == 1:
        return hashes[start]
    k = split_point(n)
    return node_hash(_subtree(hashes, start, start + k), _subtree(hashes, start + k, end))


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH over ``leaves`` in the order given (the recursion is only log2(n) deep)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    return _subtree([leaf_hash(leaf) for leaf in leaves], 0, len(leaves))
