"""The anchors' Merkle tree is RFC 9162's: the published test vectors, the definition itself,
and what the prefixes are for."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.merkle import leaf_hash, merkle_root, node_hash, split_point

# The leaves and roots every Certificate Transparency implementation tests against (the reference
# C++/Go "merkle tree test vectors"): the root of the first n leaves, n = 1..8.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def rfc9162_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, transcribed as written (slices and all)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc9162_mth(leaves[:k]) + rfc9162_mth(leaves[k:])).digest()


def test_the_empty_tree_is_the_hash_of_the_empty_string() -> None:
    assert merkle_root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_match_the_certificate_transparency_test_vectors(n: int) -> None:
    assert merkle_root(LEAVES[:n]).hex() == ROOTS[n - 1]


def test_a_single_leaf_is_its_prefixed_hash() -> None:
    assert merkle_root([b"abc"]) == hashlib.sha256(b"\x00abc").digest() == leaf_hash(b"abc")


def test_three_leaves_split_after_two() -> None:
    a, b, c = b"a", b"b", b"c"
    expected = node_hash(node_hash(leaf_hash(a), leaf_hash(b)), leaf_hash(c))
    assert merkle_root([a, b, c]) == expected


@pytest.mark.parametrize(("n", "k"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)])
def test_the_split_is_the_largest_power_of_two_below_n(n: int, k: int) -> None:
    assert split_point(n) == k


def test_a_tree_of_one_leaf_is_not_split() -> None:
    with pytest.raises(ValueError, match="fewer than two"):
        split_point(1)


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_any_list_of_leaves_gives_the_rfc_root(leaves: list[bytes]) -> None:
    assert merkle_root(leaves) == rfc9162_mth(leaves)


def test_an_inner_node_is_not_a_leaf() -> None:
    """Second preimages: two leaves and the single leaf made of their hashes differ."""
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert merkle_root([b"a", b"b"]) != merkle_root([a + b])


def test_order_matters_and_a_changed_leaf_changes_the_root() -> None:
    leaves = [b"one", b"two", b"three", b"four", b"five"]
    root = merkle_root(leaves)
    assert merkle_root(leaves[::-1]) != root
    assert merkle_root([*leaves[:2], b"TWO", *leaves[3:]]) != root
    assert merkle_root(leaves[:-1]) != root
