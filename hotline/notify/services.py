"""Delivering the outbox: due messages are sent, failures retried with back-off, then given up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction

from hotline import clock
from hotline.notify.backends import backend_for
from hotline.notify.models import OutboxMessage

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claimed message is someone's for this long


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def outbox_deliver(*, batch: int = 100) -> Delivery:
    """Send up to ``batch`` due messages. They are claimed first with a lease (a short
    transaction), then sent outside any transaction, so a slow gateway never holds the
    database; a worker that dies mid-way leaves its claims to expire and be retried."""
    result = Delivery()
    for message in _claim(batch):
        _deliver_one(message, result)
    return result


def _claim(batch: int) -> list[OutboxMessage]:
    now = clock.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status=OutboxMessage.PENDING, next_attempt_at__lte=now
        ).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due[:batch])
        OutboxMessage.objects.filter(pk__in=[m.pk for m in claimed]).update(
            next_attempt_at=now + LEASE
        )
    return claimed


def _deliver_one(message: OutboxMessage, result: Delivery) -> None:
    message.attempts += 1
    try:
        backend_for(message.channel).send(message)
    except Exception as error:  # any gateway failure: keep the message, try again later
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxMessage.FAILED
            result.failed += 1
        else:
            message.next_attempt_at = clock.now() + retry_delay(message.attempts)
            result.retried += 1
    else:
        message.status = OutboxMessage.SENT
        message.sent_at = clock.now()
        message.last_error = ""
        result.sent += 1
    message.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
