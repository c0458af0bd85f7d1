"""The checkpoint document: signed over its canonical form, its root recomputable from its
heads, and the comparison that names what no longer extends its anchored head."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hotline.domain.anchoring import (
    Drift,
    Head,
    Now,
    checkpoint_build,
    checkpoint_read,
    checkpoint_text,
    heads_compare,
    heads_root,
)
from hotline.domain.inputs import InputError
from hotline.domain.merkle import merkle_root

AT = datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC)
HEADS = [
    Head("order", "2026113000002", 4, "b" * 64),
    Head("case", "XS202611300001", 2, "c" * 64),
    Head("order", "2026113000001", 7, "a" * 64),
]


def test_leaves_are_sorted_canonically_and_the_root_is_rfc_9162() -> None:
    leaves = [
        b"case\0XS202611300001\x002\0" + b"c" * 64,
        b"order\x002026113000001\x007\0" + b"a" * 64,
        b"order\x002026113000002\x004\0" + b"b" * 64,
    ]
    assert heads_root(HEADS) == merkle_root(leaves).hex() == heads_root(HEADS[::-1])


def test_a_checkpoint_reads_back_signed_with_its_root() -> None:
    key = Ed25519PrivateKey.generate()
    document = checkpoint_build(heads=HEADS, at=AT, key=key, streams=["order", "case"])
    text = checkpoint_text(document)
    assert json.loads(text) == document
    assert '  ["2026113000001", 7, "' in text  # one head per line
    point = checkpoint_read(text, public_key=key.public_key())
    assert point.signature_ok and point.root_ok
    assert point.counts == {"case": 1, "order": 2}
    assert sorted(point.heads, key=lambda h: (h.stream, h.number)) == sorted(
        HEADS, key=lambda h: (h.stream, h.number)
    )
    # Layout does not matter, content does.
    assert checkpoint_read(json.dumps(document), public_key=key.public_key()).signature_ok
    changed = {**document, "created_at": "2026-11-30T01:02:04.000000+00:00"}
    assert not checkpoint_read(json.dumps(changed), public_key=key.public_key()).signature_ok
    other = Ed25519PrivateKey.generate().public_key()
    assert not checkpoint_read(text, public_key=other).signature_ok


def test_empty_streams_are_listed() -> None:
    document = checkpoint_build(
        heads=[], at=AT, key=Ed25519PrivateKey.generate(), streams=["order", "case"]
    )
    assert document["heads"] == {"case": [], "order": []}
    assert document["root"] == merkle_root([]).hex()
    assert checkpoint_read(checkpoint_text(document)).root_ok


@pytest.mark.parametrize(
    ("heads", "field"),
    [
        ({"order": [["1", 0, "a" * 64]]}, "heads.order[0]"),
        ({"order": [["1", 1, "A" * 64]]}, "heads.order[0]"),
        ({"order": [["1", True, "a" * 64]]}, "heads.order[0]"),
        ({"order": "x"}, "heads.order"),
        ([], "heads"),
    ],
)
def test_malformed_heads_name_the_field(heads: object, field: str) -> None:
    document = checkpoint_build(
        heads=HEADS, at=AT, key=Ed25519PrivateKey.generate(), streams=["order"]
    )
    document["heads"] = heads
    with pytest.raises(InputError) as raised:
        checkpoint_read(json.dumps(document), source="a.json")
    assert raised.value.field == field and raised.value.source == "a.json"


def test_compare_names_missing_shortened_and_rewritten_only() -> None:
    now = {
        ("order", "2026113000001"): Now(events=9, hash_at_seq="a" * 64),  # extended: fine
        ("order", "2026113000002"): Now(events=3, hash_at_seq=None),  # shortened
        # case XS202611300001: gone
    }
    found = heads_compare(HEADS, now)
    assert [(f.head.number, f.drift) for f in found] == [
        ("XS202611300001", Drift.MISSING),
        ("2026113000002", Drift.SHORTENED),
    ]
    now[("case", "XS202611300001")] = Now(events=2, hash_at_seq="d" * 64)
    now[("order", "2026113000002")] = Now(events=0, hash_at_seq=None)
    found = heads_compare(HEADS, now)
    assert [(f.head.number, f.drift) for f in found] == [
        ("XS202611300001", Drift.REWRITTEN),
        ("2026113000002", Drift.MISSING),
    ]
    assert "rewritten" in str(found[0]) and "case XS202611300001" in str(found[0])
