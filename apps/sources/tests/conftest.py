from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.sources.tests.fake_vendor import vendor

__all__ = ["vendor"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The refresh cool-off lives in the cache; each test starts without one."""
    cache.clear()
