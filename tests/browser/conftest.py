from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_migrate

from hotline.eventstore.guard import install_event_guard, remove_event_guard
from tests.common.world import World, build_world

REINSTALL = "reinstall-event-guard-after-flush"


def _reinstall(**kwargs: Any) -> None:
    install_event_guard(connection)
    post_migrate.disconnect(dispatch_uid=REINSTALL)


@pytest.fixture
def browser_world(live_server: object, transactional_db: None) -> Iterator[World]:
    """The world, committed, for a live server. live_server sets the database up before any
    fixture of ours, so its flush comes last: the append-only triggers are lifted here and put
    back by the post_migrate signal that the flush sends when it is done."""
    yield build_world()
    remove_event_guard(connection)
    post_migrate.connect(_reinstall, weak=False, dispatch_uid=REINSTALL)


@contextmanager
def demo_city_built(orders: int) -> Iterator[None]:
    """The demo city of ``orders`` orders, committed, for a live server; the event guard is
    lifted afterwards for the flush (even when the build failed) and put back after it."""
    from hotline.demo.seed import build_demo

    try:
        build_demo(orders=orders, out=io.StringIO())
        yield
    finally:
        remove_event_guard(connection)
        post_migrate.connect(_reinstall, weak=False, dispatch_uid=REINSTALL)
