"""The duplicate index rebuilds in a background thread, on a committed database."""

from __future__ import annotations

import threading

import pytest

from hotline.dispatch import selectors
from tests.common.world import World


@pytest.mark.usefixtures("live_db")
def test_the_duplicate_index_refreshes_in_the_background(
    live_world: World, settings: object
) -> None:
    settings.HOTLINE_DISPATCH = {**settings.HOTLINE_DISPATCH, "duplicate_rebuild_seconds": 0}  # type: ignore[attr-defined]
    first = live_world.create(text="建设路公交站候车亭玻璃碎了", location="建设路公交站")
    index = selectors.duplicate_index()  # built in this thread
    assert first.pk in index
    second = live_world.create(text="锦绣家园地下车库被水淹了", location="锦绣家园")
    selectors.duplicate_index()  # stale: starts a refresh, and catches up meanwhile
    for thread in threading.enumerate():
        if thread.name == "duplicate-index-refresh":
            thread.join(timeout=30)
    # Fresh again: no further refresh may still run while the test database is flushed.
    settings.HOTLINE_DISPATCH = {**settings.HOTLINE_DISPATCH, "duplicate_rebuild_seconds": 300}  # type: ignore[attr-defined]
    refreshed = selectors.duplicate_index()
    assert refreshed is not index
    assert first.pk in refreshed and second.pk in refreshed
