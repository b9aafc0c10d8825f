"""API token authentication with a short per-process memo of the token's user.

DRF's `TokenAuthentication` reads the token and its user from the database on every request
(one query, about half of a cached KPI answer's cost under load). This keeps the user of a token
that was valid a moment ago for at most `API_TOKEN_MEMO_S` seconds, in this process only, so a
web process reads each token at most once per that period.

What the memo keeps, and why revocation stays prompt:
- Keyed by the SHA-256 of the token, never the token itself; the value is a copy of the User row
  as DRF loaded it (the password hash is what the database and every request already hold).
- Saving or deleting any User or Token, in any process (admin, `drf_create_token -r`, a shell),
  writes a new access generation to the shared cache; an entry remembered under an older
  generation is not used, so such a revocation takes effect at once everywhere. The check costs
  one cache read per request instead of a database query.
- A change that sends no signal (a raw SQL or `update()` edit) is seen within
  `API_TOKEN_MEMO_S` seconds (default 5), when the database is asked again.
- Unknown tokens and inactive users are never remembered: every such request reads the
  database and is refused by DRF as before.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

# Past this many distinct tokens the memo starts again from empty (a label has a handful).
MEMO_MAX_ENTRIES = 1024
GENERATION_KEY = "api_token_access_generation"


@dataclass(frozen=True)
class _Remembered:
    user: Any
    created: datetime
    checked_at: float  # time.monotonic() when the database last confirmed the token
    generation: str | None  # the access generation read before that confirmation


_clock = time.monotonic
_memo: dict[bytes, _Remembered] = {}
_memo_lock = threading.Lock()


def memo_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_MEMO_S", 5))


def memo_clear() -> None:
    """Forget every token this process remembers."""
    with _memo_lock:
        _memo.clear()


def access_changed(**kwargs: Any) -> None:
    """Signal receiver: a user or token changed, so no process may trust what it remembers."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    memo_clear()


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _trusted(digest: bytes, generation: Any) -> _Remembered | None:
    """What this process remembers of a token, if still valid under `generation`."""
    remembered = _memo.get(digest)
    if (
        remembered is not None
        and remembered.generation == generation
        and _clock() - remembered.checked_at < memo_seconds()
    ):
        return remembered
    return None


def remembered_staff(key: str, generation: Any) -> bool:
    """Whether token `key` belongs to an active staff user, by this process's memo alone (the
    KPI answer edge asks; False means "ask the database", through DRF)."""
    remembered = _trusted(_digest(key), generation)
    return remembered is not None and remembered.user.is_active and remembered.user.is_staff


class MemoTokenAuthentication(TokenAuthentication):
    """`TokenAuthentication`, with the token's user remembered for a few seconds per process."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        digest = _digest(key)
        generation = cache.get(GENERATION_KEY)
        remembered = _trusted(digest, generation)
        if remembered is not None:
            # A copy per request: a view may change its user object, and threads share the memo.
            user = copy.copy(remembered.user)
            return user, Token(key=key, user=user, created=remembered.created)
        checked_at = _clock()
        user, token = super().authenticate_credentials(key)  # refuses unknown and inactive
        with _memo_lock:
            if len(_memo) >= MEMO_MAX_ENTRIES:
                _memo.clear()
            _memo[digest] = _Remembered(copy.copy(user), token.created, checked_at, generation)
        return user, token


post_save.connect(
    access_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_token_memo_user"
)
post_delete.connect(
    access_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_token_memo_user_gone"
)
post_save.connect(access_changed, sender=Token, dispatch_uid="api_token_memo_token")
post_delete.connect(access_changed, sender=Token, dispatch_uid="api_token_memo_token_gone")
