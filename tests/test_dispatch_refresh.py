"""The duplicate index's full rebuild: by the server's refresh loop while pages keep the
caught-up index, or by the caller when no loop runs."""

from __future__ import annotations

import threading
import time

import pytest

from hotline import caching
from hotline.dispatch import selectors
from hotline.web.warmup import refresh_forever
from tests.common.world import World


def _rebuild_every(settings: object, seconds: int) -> None:
    settings.HOTLINE_DISPATCH = {**settings.HOTLINE_DISPATCH, "duplicate_rebuild_seconds": seconds}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_stale_index_is_served_caught_up_until_the_loop_rebuilds_it(
    world: World, settings: object
) -> None:
    _rebuild_every(settings, 0)
    first = world.create(text="建设路公交站候车亭玻璃碎了", location="建设路公交站")
    with caching.refresher():
        index = selectors.duplicate_index()  # the first call builds it
        assert first.pk in index
        second = world.create(text="锦绣家园地下车库被水淹了", location="锦绣家园")
        assert selectors.duplicate_index() is index  # stale: served, caught up from updated_at
        assert second.pk in index
        assert caching.refresh_due() == 1
        refreshed = selectors.duplicate_index()
    assert refreshed is not index
    assert first.pk in refreshed and second.pk in refreshed


@pytest.mark.django_db
def test_without_a_refresh_loop_the_caller_rebuilds_a_stale_index(
    world: World, settings: object
) -> None:
    index = selectors.duplicate_index()
    assert selectors.duplicate_index() is index  # fresh
    _rebuild_every(settings, 0)
    assert selectors.duplicate_index() is not index


@pytest.mark.usefixtures("live_db")
def test_the_refresh_loop_rebuilds_the_index_in_its_own_thread(
    live_world: World, settings: object
) -> None:
    _rebuild_every(settings, 0)
    first = live_world.create(text="建设路公交站候车亭玻璃碎了", location="建设路公交站")
    stop = threading.Event()
    loop = threading.Thread(
        target=refresh_forever, kwargs={"every": 0.01, "stop": stop, "shared": False}
    )
    with caching.refresher():  # held here too, so the first stale read cannot rebuild in place
        loop.start()
        index = selectors.duplicate_index()
        try:
            deadline = time.monotonic() + 30
            while selectors.duplicate_index() is index and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            # Stopped before the database is flushed: no rebuild may still run then.
            stop.set()
            loop.join(timeout=30)
        refreshed = selectors.duplicate_index()
    assert refreshed is not index and first.pk in refreshed
