"""Django's Redis cache with one connection pool per process instead of one per request.

Django keeps a cache object per async context, and under ASGI every request runs in a context
(and a thread) of its own, so the stock `RedisCache` built a new connection pool, opened a new
TCP connection and ran redis-py's handshake (which reads the package metadata from disk) for
every request: measured at several milliseconds of CPU per request, more than the KPI view
itself. Here every cache object of a process shares one pool and one client per server; redis-py
pools are thread-safe and start afresh in a forked child (Celery's workers).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        # The options are part of the key: two caches on one server with different options
        # (a test's override, say) must not share a pool.
        shared_key = (self._servers[index], repr(sorted(self._pool_options.items())))
        client = _clients.get(shared_key)
        if client is None:
            with _clients_lock:
                client = _clients.get(shared_key)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = _clients[shared_key] = self._client(connection_pool=pool)
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
