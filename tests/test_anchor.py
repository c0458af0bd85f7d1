"""存证锚点: a signed checkpoint of every chain's head catches what per-chain verify cannot (an
order deleted whole, a chain cut short or rewritten and re-hashed), and nothing else."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from hotline.cli import main
from hotline.domain.anchoring import Head, checkpoint_build, checkpoint_text, heads_root
from hotline.domain.lifecycle import State
from hotline.eventstore.anchor import anchor_daily, anchor_key_create, heads_now
from hotline.eventstore.guard import install_event_guard, remove_event_guard
from hotline.eventstore.models import Anchor
from hotline.eventstore.verify import events_verify_all
from hotline.supervision import services as cases
from hotline.supervision.models import CaseEvent, SupervisionCase
from hotline.supervision.stream import CASE_STREAM
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.stream import ORDER_STREAM
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db

WALKS = [State.RECEIVED, State.DISPATCHED, State.HANDLING, State.CLOSE_REVIEW, State.CLOSED]


@pytest.fixture
def key(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "center.pem"
    anchor_key_create(path)
    settings.HOTLINE_ANCHOR_KEY = str(path)
    settings.HOTLINE_ANCHOR_DIR = tmp_path / "anchors"
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def city(world: World, *, orders: int = 15, case_count: int = 3) -> None:
    for i in range(orders):
        # No caller phone: no SMS waits in the outbox, so tampering needs to touch events only.
        world.walk(world.create(caller_phone=""), WALKS[i % len(WALKS)])
    for i in range(case_count):
        case = cases.case_open(actor=world.supervisor, title=f"线索 {i}")
        cases.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")


# -- tampering as someone with database access would, triggers dropped -------------------------


def delete_order(order: WorkOrder) -> None:
    WorkOrderEvent.objects.filter(order=order).delete()
    WorkOrder.objects.filter(pk=order.pk).delete()


def delete_case(case: SupervisionCase) -> None:
    CaseEvent.objects.filter(case=case).delete()
    SupervisionCase.objects.filter(pk=case.pk).delete()


def shorten(head: Any, events: Any, *, by: int) -> None:
    """Cut the last events and move the row back, so the shorter chain verifies on its own."""
    kept = list(events.order_by("seq"))[:-by]
    events.filter(seq__gt=kept[-1].seq).delete()
    type(head).objects.filter(pk=head.pk).update(version=kept[-1].seq, last_hash=kept[-1].hash)


def rewrite_order(order: WorkOrder) -> None:
    """Change the first event's text and re-hash the whole chain: per-order verify passes."""
    events = list(order.events.order_by("seq"))
    first = events[0]
    first.data = {**first.data, "text": "改写过的诉求内容"}
    prev = "0" * 64
    for event in events:
        row = (
            order.number, 0, "", event.seq, event.at, event.action, event.actor,
            event.unit, event.to_unit, event.data, prev, event.hash,
        )  # fmt: skip
        digest = ORDER_STREAM.row_hash(row, prev)
        WorkOrderEvent.objects.filter(pk=event.pk).update(
            data=event.data, prev_hash=prev, hash=digest
        )
        prev = digest
    WorkOrder.objects.filter(pk=order.pk).update(last_hash=prev)


def test_every_deleted_shortened_or_rewritten_order_and_case_is_named(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city(world)
    checkpoint = tmp_path / "anchor.json"
    code, out, _ = run(capsys, "events", "anchor", "--out", str(checkpoint))
    assert code == 0, out
    anchored = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert anchored["counts"] == {"case": 3, "order": 15}

    orders = list(WorkOrder.objects.order_by("number"))
    closed = [o for o in orders if o.state == State.CLOSED]
    longer = [o for o in orders if o.version >= 3 and o.state != State.CLOSED]
    all_cases = list(SupervisionCase.objects.order_by("number"))
    deleted, shortened, rewritten = [orders[0], orders[5]], longer[:2], closed[:2]
    remove_event_guard(connection)
    try:
        for order in deleted:
            delete_order(order)
        for order in shortened:
            shorten(order, order.events, by=1)
        for order in rewritten:
            rewrite_order(order)
        delete_case(all_cases[0])
        shorten(all_cases[1], all_cases[1].events, by=1)
    finally:
        install_event_guard(connection)

    # Each chain on its own still verifies: only the anchor can tell.
    assert events_verify_all().ok
    code, out, err = run(
        capsys, "events", "verify", "--anchor", str(checkpoint), "--public-key", f"{key}.pub"
    )
    assert code == 1
    assert "chain intact" in out
    named = {
        line.removeprefix("ANCHOR: ").split(" (")[0]
        for line in err.splitlines()
        if line.startswith("ANCHOR: ")
    }
    expected = (
        {f"order {o.number}: missing" for o in deleted}
        | {f"order {o.number}: shortened" for o in shortened}
        | {f"order {o.number}: rewritten" for o in rewritten}
        | {f"case {all_cases[0].number}: missing", f"case {all_cases[1].number}: shortened"}
    )
    assert named == expected
    assert "anchor BROKEN: 3 missing, 2 rewritten, 3 shortened of 18 anchored heads" in err


def test_an_untouched_database_and_later_events_pass(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city(world, orders=6, case_count=1)
    checkpoint = tmp_path / "anchor.json"
    assert run(capsys, "events", "anchor", "--out", str(checkpoint))[0] == 0
    code, out, err = run(capsys, "events", "verify", "--anchor", str(checkpoint))
    assert code == 0, err
    assert "anchor holds: all 7 anchored heads" in out

    # Work goes on after the anchor: chains grow, new orders and cases appear. Still fine.
    received = WorkOrder.objects.filter(state=State.RECEIVED).first()
    assert received is not None
    world.walk(received, State.CLOSED)
    world.create()
    cases.case_open(actor=world.supervisor, title="新线索")
    code, out, err = run(capsys, "events", "verify", "--anchor", str(checkpoint))
    assert code == 0, err
    assert "anchor holds" in out


def test_a_forged_or_foreign_checkpoint_fails(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city(world, orders=4, case_count=1)
    checkpoint = tmp_path / "anchor.json"
    assert run(capsys, "events", "anchor", "--out", str(checkpoint))[0] == 0
    document = json.loads(checkpoint.read_text(encoding="utf-8"))

    # A head edited to match a rewritten order, the root recomputed: the signature fails.
    forged = json.loads(json.dumps(document))
    forged["heads"]["order"][0][2] = "f" * 64
    heads = [Head(s, n, q, h) for s, rows in forged["heads"].items() for n, q, h in rows]
    forged["root"] = heads_root(heads)
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    code, _, err = run(capsys, "events", "verify", "--anchor", str(tmp_path / "forged.json"))
    assert code == 1 and "anchor signature FAILED" in err

    # Re-signed with another key that the file names: refused against the center's key.
    other = checkpoint_build(
        heads=heads, at=timezone.now(), key=Ed25519PrivateKey.generate(), streams=["order", "case"]
    )
    (tmp_path / "foreign.json").write_text(checkpoint_text(other), encoding="utf-8")
    for extra in ([], ["--public-key", f"{key}.pub"]):
        code, _, err = run(
            capsys, "events", "verify", "--anchor", str(tmp_path / "foreign.json"), *extra
        )
        assert code == 1 and "anchor signature FAILED" in err

    # Heads changed without recomputing the root: the root fails even before the signature.
    broken = json.loads(json.dumps(document))
    broken["heads"]["order"].pop()
    (tmp_path / "cut.json").write_text(json.dumps(broken), encoding="utf-8")
    code, _, err = run(capsys, "events", "verify", "--anchor", str(tmp_path / "cut.json"))
    assert code == 1 and "FAILED" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not JSON"),
        (b'{"format": "other"}', "not a hotline-anchor/1 checkpoint"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"format": "hotline-anchor/1"}', "created_at: missing"),
    ],
)
def test_a_malformed_checkpoint_is_one_line_error(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    code, _, err = run(capsys, "events", "verify", "--anchor", str(bad))
    assert code == 2 and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_anchor_needs_a_key_and_a_file_name(
    world: World, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.HOTLINE_ANCHOR_KEY = ""
    code, _, err = run(capsys, "events", "anchor", "--out", str(tmp_path / "a.json"))
    assert code == 2 and "no anchor signing key configured" in err
    settings.HOTLINE_ANCHOR_KEY = str(tmp_path / "center.pem")
    assert run(capsys, "events", "anchor-key", "--out", str(tmp_path / "center.pem"))[0] == 0
    code, _, err = run(capsys, "events", "anchor", "--out", str(tmp_path))
    assert code == 2 and "is a directory" in err
    assert not Anchor.objects.exists()


def test_anchor_key_is_private_and_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "center.pem"
    code, out, _ = run(capsys, "events", "anchor-key", "--out", str(path))
    assert code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    public = out.split(": ")[-1].strip()
    assert len(base64.b64decode(public)) == 32
    assert (tmp_path / "center.pem.pub").read_text().strip() == public
    before = path.read_bytes()
    code, _, err = run(capsys, "events", "anchor-key", "--out", str(path))
    assert code == 2 and "never overwritten" in err
    assert path.read_bytes() == before


def test_anchors_are_kept_append_only_and_in_the_folder(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.create()
    assert run(capsys, "events", "anchor", "--out", str(tmp_path / "a.json"))[0] == 0
    anchor = Anchor.objects.get()
    assert anchor.made_by == "command" and anchor.counts == {"case": 0, "order": 1}
    (copy,) = (tmp_path / "anchors").iterdir()
    assert copy.read_text(encoding="utf-8") == anchor.document == (tmp_path / "a.json").read_text()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Anchor.objects.filter(pk=anchor.pk).update(root="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Anchor.objects.all().delete()


def test_the_daily_anchor_is_written_once_a_day(
    world: World, key: Path, settings: Any, tmp_path: Path
) -> None:
    world.create()
    first = anchor_daily()
    assert first is not None and first.made_by == "daily"
    assert anchor_daily() is None  # one a day
    assert Anchor.objects.count() == 1
    root = heads_root(heads_now())
    assert first.root == root
    settings.HOTLINE_ANCHOR_KEY = ""
    assert anchor_daily() is None  # no key, no anchor


def test_supervisors_and_admins_see_and_download_anchors(
    world: World, key: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.create()
    assert run(capsys, "events", "anchor", "--out", str(tmp_path / "a.json"))[0] == 0
    anchor = Anchor.objects.get()
    for user in (world.supervisor, world.admin):
        client = force_login_verified(Client(), user)
        page = client.get("/anchors/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "存证锚点" in html and anchor.root in html and "工单 1" in html
        assert 'href="/anchors/"' in client.get("/orders/").content.decode()
        download = client.get(f"/anchors/{anchor.pk}.json")
        assert download.status_code == 200
        assert "attachment" in download["Content-Disposition"]
        assert download.content == (tmp_path / "a.json").read_bytes()
    for user in (world.agent, world.handler_a, world.dispatcher):
        client = force_login_verified(Client(), user)
        assert client.get("/anchors/").status_code == 404
        assert client.get(f"/anchors/{anchor.pk}.json").status_code == 404
        assert 'href="/anchors/"' not in client.get("/orders/").content.decode()


def test_case_stream_is_anchored_like_orders(world: World, key: Path) -> None:
    case = cases.case_open(actor=world.supervisor, title="线索")
    heads = {(h.stream, h.number): h for h in heads_now()}
    assert heads[("case", case.number)].seq == 1
    assert CASE_STREAM.name == "case"
