"""The Redis cache keeps one connection pool per process: a cache object per request (what
Django makes under ASGI) must not mean a Redis connection per request."""

from __future__ import annotations

import threading

import pytest
from redis.connection import ConnectionPool

from bedrot_site.cache import SharedPoolRedisCache


def _cache(url: str, **options: object) -> SharedPoolRedisCache:
    return SharedPoolRedisCache(url, {"KEY_PREFIX": "bedrot-test-shared-pool", "OPTIONS": options})


def test_cache_objects_of_one_process_share_one_client_and_pool(redis_url: str) -> None:
    first, second = _cache(redis_url), _cache(redis_url)
    made_in_a_thread = []
    thread = threading.Thread(target=lambda: made_in_a_thread.append(_cache(redis_url)))
    thread.start()
    thread.join()

    clients = {id(cache._cache.get_client()) for cache in (first, second, *made_in_a_thread)}

    assert len(clients) == 1
    first.set("answer", b"bytes", 30)
    assert second.get("answer") == b"bytes"
    second.delete("answer")


def test_caches_with_other_options_get_their_own_pool(redis_url: str) -> None:
    plain = _cache(redis_url)
    with_timeout = _cache(redis_url, socket_timeout=5)

    assert plain._cache.get_client() is not with_timeout._cache.get_client()
    assert with_timeout._cache.get_client().connection_pool.connection_kwargs["socket_timeout"] == 5


def test_one_connection_serves_many_requests_in_turn(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cache(redis_url).get("warm")  # the process's connection, opened once
    opened = []
    make_connection = ConnectionPool.make_connection

    def counted(pool: ConnectionPool) -> object:
        opened.append(pool)
        return make_connection(pool)

    monkeypatch.setattr(ConnectionPool, "make_connection", counted)
    for _ in range(20):  # a new cache object per request, as under ASGI
        _cache(redis_url).get("missing")

    assert opened == []
