"""Repeat KPI answers served in front of Django, from the web process's memory.

A cached KPI answer (apps/kpis/answers.py) still cost a web process about 4.5 ms of CPU: the
ASGI handler's thread hops, eleven middlewares, DRF's authentication and negotiation, and three
cache reads. Under 32 clients on two cores that queued requests for hundreds of milliseconds.
This ASGI layer answers a repeat request for the same answer without entering Django at all.

What it serves, and why that is the answer Django would give:
- Only what Django itself answered: the whole response (status 200, headers, body) that the view
  marked as a cached KPI answer, kept per process under the versions the view computed it for.
- Only under the current versions: one Redis read per request fetches the warehouse version
  (published after every load commits, see `warehouse_version_publish`), the versions of the
  KPI settings and of the stored alerts, and the API access generation. A response is kept only
  when the view's warehouse version (from the database) equals the published one, so a stale
  publication (lost, or overtaken by an older one when two loads commit together) keeps nothing
  new, and old answers outlive it by at most `PUBLISHED_VERSION_TTL_S`: then the next request
  through Django publishes the database's version again.
- Only to a caller Django has just let in: a GET with an API token (no cookie) whose staff user
  the token authentication remembers under the current access generation
  (`bedrot_site.authentication.remembered_staff`). Anything else (session users, unknown,
  revoked or non-staff tokens, other methods, other paths) goes to Django unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis_asyncio
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.utils import timezone

from apps.kpis.models import (
    ALERTS_VERSION_CACHE_KEY,
    SETTINGS_VERSION_CACHE_KEY,
    version_counter,
)
from bedrot_site.authentication import GENERATION_KEY, remembered_staff

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The header a KPI view puts on a cacheable answer; the edge removes it from every response.
ANSWER_HEADER = b"x-bedrot-answer-versions"
WAREHOUSE_VERSION_KEY = "kpis:warehouse_version"
# How long a published warehouse version is trusted without a load announcing a newer one: the
# bound on staleness should a load's publication ever be lost or overtaken.
PUBLISHED_VERSION_TTL_S = 10
_VERSION_KEYS = (
    GENERATION_KEY,
    WAREHOUSE_VERSION_KEY,
    SETTINGS_VERSION_CACHE_KEY,
    ALERTS_VERSION_CACHE_KEY,
)
_COUNTERS = (SETTINGS_VERSION_CACHE_KEY, ALERTS_VERSION_CACHE_KEY)
_COUNTER_KEYS = [*_COUNTERS, WAREHOUSE_VERSION_KEY]
# Longest a request waits for another one computing the same answer before asking Django itself.
PENDING_WAIT_S = 30.0


def answer_versions(warehouse_version: str, settings_version: int, alerts_version: int) -> str:
    """What a cacheable answer was computed for: the warehouse, the settings, the stored
    alerts and the day."""
    day = timezone.now().date().isoformat()
    return f"{warehouse_version};{settings_version};{alerts_version};{day}"


def answer_versions_now(warehouse_version: str) -> str:
    """`answer_versions` for Django's side, with the database's `warehouse_version`, from one
    cache read; publishes that version for the edge when none is (see below)."""
    counters = cache.get_many(_COUNTER_KEYS)
    if WAREHOUSE_VERSION_KEY not in counters:
        warehouse_version_publish(warehouse_version, replace=False)
    settings_version, alerts_version = (version_counter(counters.get(key)) for key in _COUNTERS)
    return answer_versions(warehouse_version, settings_version, alerts_version)


def warehouse_version_publish(version: str, *, replace: bool) -> None:
    """Tell the edge the warehouse's current version: after a load commits (`replace`), or
    when none is published (a request through Django found it missing: `add` never overwrites
    a newer version a load published meanwhile)."""
    key, ttl = WAREHOUSE_VERSION_KEY, PUBLISHED_VERSION_TTL_S
    cache.set(key, version, ttl) if replace else cache.add(key, version, ttl)


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class _Answers:
    """Least recently used answers of this process, bounded by total body bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[tuple[Any, ...], _Answer] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> _Answer | None:
        answer = self._items.get(key)
        if answer is not None:
            self._items.move_to_end(key)
        return answer

    def put(self, key: tuple[Any, ...], answer: _Answer) -> None:
        if len(answer.body) > self.max_bytes or key in self._items:
            return
        self._items[key] = answer
        self.size += len(answer.body)
        while self.size > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size -= len(dropped.body)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


# Besides path and query, what Django's answer depends on: the negotiated format and content
# encoding, and what its middleware decides by (allowed hosts, the HTTPS redirect behind a
# proxy). The same values get the same decisions, so a Host Django refused never has an answer.
_ANSWER_HEADERS = (
    b"accept",
    b"accept-encoding",
    b"host",
    b"x-forwarded-host",
    b"x-forwarded-proto",
)


def _request_key(scope: Scope, versions: str) -> tuple[Any, ...]:
    # Every value of each header, in order: a repeated header is Django's to merge.
    values = tuple(
        tuple(bytes(value) for key, value in scope["headers"] if key == name)
        for name in _ANSWER_HEADERS
    )
    return (versions, scope["path"], scope["query_string"], scope.get("scheme"), *values)


def _api_token(scope: Scope) -> str | None:
    """The token of a GET /api/ request that carries one and no cookie, else None."""
    if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/api/"):
        return None
    if _header(scope, b"cookie") is not None:
        return None  # a session may be in play: Django decides who the caller is
    parts = (_header(scope, b"authorization") or b"").split()
    if len(parts) != 2 or parts[0].lower() != b"token":
        return None
    try:
        return parts[1].decode()
    except UnicodeDecodeError:
        return None


async def _answer_send(send: Send, answer: _Answer) -> None:
    start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
    await send(start)
    await send({"type": "http.response.body", "body": answer.body})


class CachedAnswerEdge:
    """ASGI middleware: repeat KPI answers from memory, everything else through `app`."""

    def __init__(self, app: App, *, max_bytes: int | None = None) -> None:
        self.app = app
        self.answers = _Answers(max_bytes or settings.KPI_EDGE_CACHE_BYTES)
        self._serializer = RedisSerializer()
        self._redis: redis_asyncio.Redis | None = None
        self._redis_owner: tuple[asyncio.AbstractEventLoop, str] | None = None
        self._pending: dict[tuple[Any, ...], asyncio.Event] = {}
        self._next_read: asyncio.Future[tuple[Any, str] | None] | None = None
        self._reads: set[asyncio.Task[None]] = set()
        self._answer_paths: set[str] = set()  # paths that gave a kept answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _api_token(scope)
        if token is None:
            await self.app(scope, receive, send)
            return
        versions = await self._versions()
        if versions is None:
            await self._through_django(scope, receive, send, key=None)
            return
        generation, answer_for = versions
        key = _request_key(scope, answer_for)
        answer = await self._kept(key, token, generation)
        if answer is not None:
            await _answer_send(send, answer)
            return
        await self._through_django(scope, receive, send, key=key)

    async def _kept(self, key: tuple[Any, ...], token: str, generation: Any) -> _Answer | None:
        """The kept answer for `key` if this caller may have it. While a request for the same
        key is inside Django, wait for it first: 32 clients meeting an answer this process has
        not kept yet (or a token memo that just expired) then cost one pass through Django,
        not 32."""
        pending = self._pending.get(key)
        # Only where answers are kept: other API requests never wait for each other.
        if pending is not None and key[1] in self._answer_paths:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pending.wait(), PENDING_WAIT_S)
        answer = self.answers.get(key)
        return answer if answer is not None and remembered_staff(token, generation) else None

    def _versions(self) -> asyncio.Future[tuple[Any, str] | None]:
        """The versions as of a Redis read that starts after this call: shared by every request
        that arrives before it starts (those of one event loop turn), which halves the edge's
        CPU under load, and never one that started earlier, which could miss a version a
        finished load or an edited goal had already written."""
        loop = asyncio.get_running_loop()
        shared = self._next_read
        if shared is None or shared.get_loop() is not loop:
            shared = self._next_read = loop.create_future()
            loop.call_soon(self._read_start, shared)
        return shared

    def _read_start(self, shared: asyncio.Future[tuple[Any, str] | None]) -> None:
        self._next_read = None  # a request arriving from now on needs a read of its own
        task = asyncio.ensure_future(self._read_into(shared))
        self._reads.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._reads.discard)

    async def _read_into(self, shared: asyncio.Future[tuple[Any, str] | None]) -> None:
        versions = await self._read()
        if not shared.done():
            shared.set_result(versions)

    async def _read(self) -> tuple[Any, str] | None:
        """(access generation, answer versions) from one Redis read; None when the warehouse
        version is not published, or there is no Redis cache or it cannot be read (Django then
        answers)."""
        client = self._client()
        if client is None:
            return None
        try:
            raw = await client.mget([cache.make_key(name) for name in _VERSION_KEYS])
        except Exception as error:  # the edge is an optimisation: Django reports the outage
            logger.warning("kpi_edge_redis_unreadable error=%s", type(error).__name__)
            return None
        generation, warehouse, settings_version, alerts_version = (
            None if value is None else self._serializer.loads(value) for value in raw
        )
        if warehouse is None:
            return None
        counters = (version_counter(settings_version), version_counter(alerts_version))
        return generation, answer_versions(warehouse, *counters)

    def _client(self) -> redis_asyncio.Redis | None:
        """An asyncio client of the cache's Redis server; None when the cache is not Redis."""
        if not isinstance(caches["default"], RedisCache):
            return None
        location = str(settings.CACHES["default"]["LOCATION"]).split(",")[0]  # the writer
        # An asyncio client belongs to the event loop it was made in (tests run several).
        owner = (asyncio.get_running_loop(), location)
        if self._redis is None or self._redis_owner != owner:
            self._redis = redis_asyncio.Redis.from_url(location)
            self._redis_owner = owner
        return self._redis

    async def _through_django(
        self, scope: Scope, receive: Receive, send: Send, *, key: tuple[Any, ...] | None
    ) -> None:
        """Django answers; a marked 200 answer computed for `key`'s versions is kept. The first
        such request for a key is the one others wait for (`_kept`)."""
        leading = key is not None and key not in self._pending
        if leading:
            self._pending[key] = asyncio.Event()
        try:
            await self.app(scope, receive, self._keeping(send, key))
        finally:
            if leading:
                self._pending.pop(key).set()

    def _keeping(self, send: Send, key: tuple[Any, ...] | None) -> Send:
        """`send`, keeping a marked 200 answer computed for `key`'s versions."""
        kept: dict[str, Any] = {}

        async def keeping_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message, marker = _without_marker(message)
                if key is not None and _keepable(message, marker, key[0]):
                    kept.update(status=message["status"], headers=message["headers"], body=[])
            elif message["type"] == "http.response.body" and kept:
                kept["body"].append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    body = b"".join(kept["body"])
                    self.answers.put(key, _Answer(kept["status"], kept["headers"], body))
                    self._answer_paths.add(key[1])
            await send(message)

        return keeping_send


def _without_marker(start: Message) -> tuple[Message, list[bytes]]:
    """The response start without the answer marker, and the marker's values."""
    headers = list(start.get("headers", []))
    marker = [value for name, value in headers if name.lower() == ANSWER_HEADER]
    kept = [(name, value) for name, value in headers if name.lower() != ANSWER_HEADER]
    return {**start, "headers": kept}, marker


def _keepable(start: Message, marker: list[bytes], versions: str) -> bool:
    """A 200 answer the view marked for exactly these versions, setting no cookie."""
    return (
        start["status"] == 200
        and marker == [versions.encode()]
        and not any(name.lower() == b"set-cookie" for name, _ in start["headers"])
    )
