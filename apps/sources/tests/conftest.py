from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.sources.tests.fake_vendor import vendor

__all__ = ["vendor"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (the vendor fakes and views may use it)."""
    cache.clear()
