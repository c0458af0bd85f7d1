"""hotline.caching: the freshness rule, the bound, reset, serving stale values to a refresh loop;
and the API token cache built on it, which keeps no answer for an unknown bearer string."""

from __future__ import annotations

import logging
import secrets
import threading
import time

import pytest
from django.core.cache import cache
from django.test import Client

from hotline import caching
from hotline.accounts import models as accounts
from hotline.accounts.models import ApiToken
from tests.common.world import World


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_new_key_is_a_miss_and_max_size_one_keeps_only_the_latest() -> None:
    cache: caching.Cache[tuple[str, int], str] = caching.Cache(name="test", max_size=1)
    assert cache.get_or_build(("model", 1), build=lambda: "first") == "first"
    assert cache.get_or_build(("model", 1), build=lambda: "unused") == "first"
    assert cache.get_or_build(("model", 2), build=lambda: "second") == "second"
    assert len(cache) == 1 and cache.get(("model", 1)) is None


def test_a_value_older_than_max_age_is_stale() -> None:
    clock = FakeClock()
    cache: caching.Cache[str, str] = caching.Cache(name="test", max_age=60, now=clock)
    cache.put("k", value="v")
    clock.t += 60
    assert cache.get("k") == "v"
    clock.t += 1
    assert cache.get("k") is None
    assert len(cache) == 0  # a stale value is dropped, not kept
    assert cache.get_or_build("k", build=lambda: "rebuilt") == "rebuilt"


def test_max_age_may_be_read_at_each_call() -> None:
    clock = FakeClock()
    limit = [60.0]
    cache: caching.Cache[str, str] = caching.Cache(name="test", max_age=lambda: limit[0], now=clock)
    cache.put("k", value="v")
    clock.t += 10
    assert cache.get("k") == "v"
    limit[0] = 5.0
    assert cache.get("k") is None


def test_the_least_recently_used_value_goes_first() -> None:
    cache: caching.Cache[str, int] = caching.Cache(name="test", max_size=2)
    cache.put("a", value=1)
    cache.put("b", value=2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", value=3)
    assert len(cache) == 2
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_caches_reset_empties_every_cache() -> None:
    one: caching.Cache[str, int] = caching.Cache(name="one")
    two: caching.Cache[str, int] = caching.Cache(name="two", max_size=5)
    one.put("a", value=1)
    two.put("b", value=2)
    caching.caches_reset()
    assert len(one) == 0 and len(two) == 0


def test_concurrent_readers_wait_for_one_build() -> None:
    cache: caching.Cache[str, int] = caching.Cache(name="test")
    made: list[int] = []

    def slow() -> int:
        made.append(1)
        time.sleep(0.05)
        return 42

    threads = [
        threading.Thread(target=lambda: cache.get_or_build("k", build=slow)) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [1]


def _stale_served_cache() -> tuple[caching.Cache[str, int], FakeClock, list[int]]:
    clock = FakeClock()
    made: list[int] = []

    def build() -> int:
        made.append(1)
        return len(made)

    cache: caching.Cache[str, int] = caching.Cache(
        name="test", max_age=60, serve_stale=True, now=clock
    )
    assert cache.get_or_build("k", build=build) == 1
    clock.t += 61
    return cache, clock, made


def test_with_a_refresher_a_stale_value_is_served_until_the_loop_rebuilds_it() -> None:
    cache, _, made = _stale_served_cache()
    with caching.refresher():
        assert cache.get_or_build("k", build=lambda: -1) == 1
        assert cache.get_or_build("k", build=lambda: -1) == 1
        assert caching.refresh_due() >= 1  # the build kept from the first call
        assert cache.get_or_build("k", build=lambda: -1) == 2
        assert cache.refresh_due() == 0  # fresh again: nothing due
    assert made == [1, 1]


def test_without_a_refresher_the_reader_rebuilds_a_stale_value() -> None:
    cache, _, made = _stale_served_cache()
    assert cache.get_or_build("k", build=lambda: 99) == 99
    assert made == [1]


def test_a_stale_value_nobody_read_is_not_rebuilt() -> None:
    cache, _, made = _stale_served_cache()
    with caching.refresher():
        assert cache.refresh_due() == 0
    assert made == [1]


def test_a_failed_refresh_keeps_the_stale_value(caplog: pytest.LogCaptureFixture) -> None:
    cache: caching.Cache[str, int] = caching.Cache(name="flaky thing", max_age=0, serve_stale=True)

    def fail() -> int:
        raise RuntimeError("database away")

    cache.put("k", value=7, build=fail)
    with caching.refresher(), caplog.at_level(logging.ERROR):
        time.sleep(0.001)
        assert cache.get_or_build("k", build=fail) == 7
        assert cache.refresh_due() == 1
        assert cache.get_or_build("k", build=fail) == 7
    assert "refreshing the flaky thing failed" in caplog.text


def test_a_refresh_overtaken_by_a_reset_is_dropped() -> None:
    cache: caching.Cache[str, str] = caching.Cache(name="test", max_age=0, serve_stale=True)

    def build_then_restore_database() -> str:
        cache.reset()  # e.g. a database restored while the old one was being read
        return "from the old database"

    cache.put("k", value="old", build=build_then_restore_database)
    with caching.refresher():
        time.sleep(0.001)
        cache.get_or_build("k", build=build_then_restore_database)
        assert cache.refresh_due() == 1
    assert len(cache) == 0


# -- the API token cache -----------------------------------------------------------------------


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.django_db
def test_unknown_bearer_strings_are_never_kept(world: World) -> None:
    _, raw = ApiToken.issue(user=world.agent)
    assert _bearer(raw).get("/api/orders").status_code == 200
    assert len(accounts._tokens) == 1
    for _ in range(50):
        assert _bearer(secrets.token_urlsafe(32)).get("/api/orders").status_code == 401
    assert len(accounts._tokens) == 1
    assert _bearer(raw).get("/api/orders").status_code == 200


@pytest.mark.django_db
def test_a_token_stored_after_a_failed_attempt_works_at_once(world: World) -> None:
    raw = secrets.token_urlsafe(32)
    assert _bearer(raw).get("/api/orders").status_code == 401
    # bulk_create sends no signal, as when another process issues the token: only the absence
    # of a negative entry lets it work now.
    ApiToken.objects.bulk_create([ApiToken(user=world.agent, digest=accounts._digest(raw))])
    assert _bearer(raw).get("/api/orders").status_code == 200


@pytest.mark.django_db
def test_a_token_revoked_past_the_models_stops_working_within_the_max_age(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, raw = ApiToken.issue(user=world.agent)
    client = _bearer(raw)
    assert client.get("/api/orders").status_code == 200
    # update() sends no signal (a change past the models): the kept answer holds...
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert client.get("/api/orders").status_code == 200
    later = accounts._tokens.now() + accounts.TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(accounts._tokens, "now", lambda: later)
    assert client.get("/api/orders").status_code == 401  # ...for TOKEN_CACHE_SECONDS at most


@pytest.mark.django_db
def test_a_token_revoked_by_another_process_stops_working_at_once(world: World) -> None:
    token, raw = ApiToken.issue(user=world.agent)
    client = _bearer(raw)
    assert client.get("/api/orders").status_code == 200
    # Another process saves the revocation: its signal replaces the shared stamp, which is all
    # this process sees of it (its own kept answer is left in place here).
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    cache.set("accounts:tokens:stamp", "set by another process", timeout=None)
    assert len(accounts._tokens) == 1
    assert client.get("/api/orders").status_code == 401


@pytest.mark.django_db
def test_a_token_revoked_or_deleted_in_this_process_stops_working_at_once(world: World) -> None:
    token, raw = ApiToken.issue(user=world.agent)
    client = _bearer(raw)
    assert client.get("/api/orders").status_code == 200
    token.revoked = True
    token.save()
    assert client.get("/api/orders").status_code == 401
    other, other_raw = ApiToken.issue(user=world.agent)
    assert _bearer(other_raw).get("/api/orders").status_code == 200
    other.delete()
    assert _bearer(other_raw).get("/api/orders").status_code == 401


@pytest.mark.django_db
def test_the_token_cache_is_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    bounded: caching.Cache[str, object] = caching.Cache(name="test tokens", max_size=3)
    monkeypatch.setattr(accounts, "_tokens", bounded)
    raws = [ApiToken.issue(user=world.agent)[1] for _ in range(5)]
    for raw in raws:
        assert ApiToken.user_for(raw) == world.agent
    assert len(bounded) == 3
