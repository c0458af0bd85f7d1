"""Notifications through the transactional outbox: written with the event, sent once, retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from hotline import clock
from hotline.domain.lifecycle import State
from hotline.notify import services as delivery
from hotline.notify.backends import MemoryBackend
from hotline.notify.models import OutboxMessage
from hotline.web.views.citizen import tracking_code
from hotline.workorders import services as s
from hotline.workorders.models import WorkOrder
from tests.common.world import World


@pytest.fixture(autouse=True)
def memory_backend(settings: pytest.FixtureRequest) -> Iterator[None]:
    path = "hotline.notify.backends.MemoryBackend"
    settings.HOTLINE_NOTIFY_BACKENDS = {"sms": path, "email": path}  # type: ignore[attr-defined]
    MemoryBackend.sent, MemoryBackend.fail_next = [], 0
    yield
    MemoryBackend.sent, MemoryBackend.fail_next = [], 0


def test_creating_an_order_queues_the_receipt_with_the_event(world: World) -> None:
    order = world.create(caller_email="li@example.com")
    sms, email = OutboxMessage.objects.order_by("channel").reverse()
    assert (sms.channel, sms.recipient) == ("sms", "13812341234")
    assert sms.body.startswith("【12345】您的诉求已受理") and order.number in sms.body
    assert (email.channel, email.recipient) == ("email", "li@example.com")
    assert sms.event.order_id == order.pk and sms.event.action == "create"


def test_the_receipt_carries_the_tracking_code_that_opens_the_order(world: World) -> None:
    order = world.create()
    sms = OutboxMessage.objects.get(channel="sms")
    code = tracking_code(order.number)
    assert f"查询码 {code}" in sms.body
    assert Client().get("/track/", {"code": code}).status_code == 200


def test_no_event_no_message_and_no_message_without_its_event(world: World) -> None:
    with pytest.raises(RuntimeError), s.write_transaction():
        world.create()
        raise RuntimeError("the caller's transaction fails after the event was written")
    assert WorkOrder.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_replies_and_closures_notify_other_steps_do_not(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    assert OutboxMessage.objects.count() == 1  # dispatch and accept tell the citizen nothing
    s.workorder_reply(actor=world.handler_a, order=order, text="已联系施工方，今晚起停止夜间施工")
    s.workorder_request_close(actor=world.handler_a, order=order, result="已处理")
    s.workorder_approve_close(actor=world.dispatcher, order=order)
    bodies = list(OutboxMessage.objects.order_by("id").values_list("body", flat=True))
    assert len(bodies) == 3
    assert "已答复：已联系施工方" in bodies[1] and "已办结" in bodies[2]


def test_each_message_is_sent_once(world: World) -> None:
    world.create()
    first = delivery.outbox_deliver()
    again = delivery.outbox_deliver()
    assert (first.sent, again.sent) == (1, 0)
    assert len(MemoryBackend.sent) == 1
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.SENT and message.sent_at is not None
    assert MemoryBackend.sent[0].dedupe_key == f"event-{message.event_id}-sms"


def test_one_message_per_event_and_channel(world: World) -> None:
    world.create()
    message = OutboxMessage.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(
            event=message.event,
            channel="sms",
            recipient=message.recipient,
            subject="again",
            body="again",
            next_attempt_at=clock.now(),
            created_at=clock.now(),
        )


def test_failures_are_retried_with_back_off_then_given_up(world: World) -> None:
    world.create()
    MemoryBackend.fail_next = 100
    start = clock.now()
    result = delivery.outbox_deliver()
    assert (result.sent, result.retried) == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.PENDING and "gateway unavailable" in message.last_error
    assert message.next_attempt_at >= start + timedelta(seconds=30)
    assert delivery.outbox_deliver().retried == 0  # not due yet
    moment = start
    for attempt in range(2, delivery.MAX_ATTEMPTS + 1):
        moment += delivery.LONGEST_RETRY + timedelta(minutes=1)
        with clock.frozen_at(moment):
            result = delivery.outbox_deliver()
        assert (result.retried, result.failed) == (
            (1, 0) if attempt < delivery.MAX_ATTEMPTS else (0, 1)
        )
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.FAILED, delivery.MAX_ATTEMPTS)


def test_a_gateway_back_online_delivers_the_backlog(world: World) -> None:
    world.create()
    MemoryBackend.fail_next = 1
    delivery.outbox_deliver()
    with clock.frozen_at(clock.now() + timedelta(minutes=1)):
        assert delivery.outbox_deliver().sent == 1
    assert OutboxMessage.objects.get().attempts == 2


def test_claimed_messages_are_not_taken_by_another_worker(world: World) -> None:
    world.create()
    claimed = delivery._claim(10)
    assert len(claimed) == 1
    assert delivery._claim(10) == []  # leased to the first worker
    with clock.frozen_at(clock.now() + delivery.LEASE + timedelta(seconds=1)):
        assert len(delivery._claim(10)) == 1  # the first worker died: the lease ran out


def test_retry_delays_double_up_to_an_hour() -> None:
    delays = [delivery.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240] and max(delays) == 3600
