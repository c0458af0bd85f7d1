"""Writing to the outbox, inside the caller's transaction."""

from __future__ import annotations

from django.conf import settings

from hotline import clock
from hotline.domain.events import EventRecord, OrderSnapshot
from hotline.domain.notifications import notices_for
from hotline.domain.tracking import tracking_code
from hotline.notify.models import OutboxMessage
from hotline.workorders.models import WorkOrderEvent


def outbox_enqueue(*, event: WorkOrderEvent, record: EventRecord, order: OrderSnapshot) -> int:
    """Queue the notices an event causes; the caller's transaction makes it all or nothing."""
    code = tracking_code(key=settings.SECRET_KEY.encode(), number=order.number)
    notices = notices_for(record, order, tracking_code=code)
    now = clock.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            event=event,
            channel=notice.channel,
            recipient=notice.recipient,
            subject=notice.subject,
            body=notice.body,
            next_attempt_at=now,
            created_at=now,
        )
        for notice in notices
    )
    return len(notices)
