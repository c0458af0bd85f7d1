"""The database itself refuses to change or delete events."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from hotline.workorders.models import WorkOrderEvent
from tests.common.world import World

pytestmark = pytest.mark.django_db


def test_update_of_an_event_is_refused_by_the_database(world: World) -> None:
    event = world.create().events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        WorkOrderEvent.objects.filter(pk=event.pk).update(actor="someone-else")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE workorders_workorderevent SET seq = 9 WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.actor == "agent" and event.seq == 1


def test_delete_of_an_event_is_refused_by_the_database(world: World) -> None:
    world.create(caller_phone="")  # no outbox message holds the event
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        WorkOrderEvent.objects.all().delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM workorders_workorderevent")
    assert WorkOrderEvent.objects.count() == 1


def test_supervision_case_events_are_append_only_too(world: World) -> None:
    from hotline.supervision.models import CaseEvent
    from hotline.supervision.services import case_open

    case_open(actor=world.supervisor, title="线索")
    event = CaseEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(actor="someone-else")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM supervision_caseevent")
    assert CaseEvent.objects.get().actor == "supervisor"
