"""Notices the spine produces as events are written, handed to whoever subscribed.

The spine does not know who sends SMS or e-mail: the notify app subscribes its transactional
outbox at start-up. Subscribers run inside the writing transaction, so a failure undoes the event.
"""

from __future__ import annotations

from typing import Protocol

from hotline.domain.events import EventRecord, OrderSnapshot
from hotline.workorders.models import WorkOrderEvent


class NoticeSubscriber(Protocol):
    def __call__(
        self, *, event: WorkOrderEvent, record: EventRecord, order: OrderSnapshot
    ) -> object: ...


_subscribers: list[NoticeSubscriber] = []


def notices_subscribe(subscriber: NoticeSubscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def notices_publish(*, event: WorkOrderEvent, record: EventRecord, order: OrderSnapshot) -> None:
    """``order`` is the order as the event leaves it."""
    for subscriber in _subscribers:
        subscriber(event=event, record=record, order=order)
