from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from hotline.eventstore.guard import install_event_guard, remove_event_guard
from tests.common.world import World, build_world


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Never serve a model someone trained in this checkout; tests train their own.
    settings.HOTLINE_DISPATCH = {
        **settings.HOTLINE_DISPATCH,
        "model": str(Path(settings.VAR_DIR) / "test" / f"dispatch-{os.getpid()}.joblib"),
    }
    settings.MEDIA_ROOT = Path(settings.VAR_DIR) / "test" / f"media-{os.getpid()}"
    # The SQLite test database is a file under var/, which a fresh clone does not have yet.
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def _restore_event_guard(django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        install_event_guard(connection)


@pytest.fixture
def live_db(_restore_event_guard: None, transactional_db: None) -> Iterator[None]:
    """A committed database (for threads and subprocesses). Teardown flushes every table, events
    included, so the append-only triggers are lifted for the flush and put back afterwards."""
    yield
    cache.clear()  # Django's cache is a table the flush does not know (settings.CACHES)
    remove_event_guard(connection)


@pytest.fixture
def live_world(live_db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _shared_cache_cleared(
    request: pytest.FixtureRequest, django_db_blocker: pytest.FixtureRequest
) -> Iterator[None]:
    """Django's cache is a database table (settings.CACHES) that a committed test's flush does
    not empty: clear it after every such test, or the next live server would serve this test's
    天眼 report, token stamps and throttle counters. (A rolled-back test leaves nothing.)"""
    yield
    if {"transactional_db", "live_server", "live_db"} & set(request.fixturenames):
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            cache.clear()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test starts with empty in-memory caches (its database is new too)."""
    from hotline.caching import caches_reset

    caches_reset()
    yield
    caches_reset()
