"""The KPI answer cache keeps the rendered body: a repeat request gets the very bytes, headers
and content type of the first one, per format, without serializing or rendering again."""

from __future__ import annotations

import gzip
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.renderers import JSONRenderer

from apps.kpis import answers, selectors
from apps.kpis.renderers import KpiCsvRenderer
from apps.kpis.tests.concurrency import run_at_once
from apps.kpis.tests.factories import label_statements_create

pytestmark = pytest.mark.django_db

URL = "/api/revenue/platform"
CALLERS = 6


@pytest.fixture(autouse=True)
def _label() -> None:
    cache.clear()
    label_statements_create()


def _no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a cached answer was rendered again")

    monkeypatch.setattr(JSONRenderer, "render", refuse)
    monkeypatch.setattr(KpiCsvRenderer, "render", refuse)


def _head(response: Any) -> dict[str, str]:
    return {name: response[name] for name in ("Content-Type", "Vary", "Allow")}


def test_a_repeat_json_answer_is_the_first_ones_bytes_without_rendering(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = alice_client.get(URL, {"platform": "Spotify"})
    _no_rendering(monkeypatch)

    second = alice_client.get(URL, {"platform": "Spotify"})

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert (
        _head(second)
        == _head(first)
        == {
            "Content-Type": "application/json",
            "Vary": "Accept, Cookie",
            "Allow": "GET, HEAD, OPTIONS",
        }
    )
    assert first.json()["results"][0]["platform"] == "Spotify"


def test_json_and_csv_answers_are_cached_apart(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    json_first = alice_client.get(URL)
    csv_first = alice_client.get(URL, {"format": "csv"})
    _no_rendering(monkeypatch)

    json_again = alice_client.get(URL, {"format": "json"})
    csv_again = alice_client.get(URL, {"format": "csv"})

    assert json_again.content == json_first.content
    assert json_again["Content-Type"] == "application/json"
    assert csv_again.content == csv_first.content
    assert csv_again.content.startswith("\ufeffplatform,".encode())
    assert csv_again["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_again["Content-Disposition"] == 'attachment; filename="bedrot_revenue_platform.csv"'


def test_a_json_indent_asked_for_is_its_own_answer(alice_client: Any) -> None:
    plain = alice_client.get(URL)
    indented = alice_client.get(URL, HTTP_ACCEPT="application/json; indent=2")

    assert indented.json() == plain.json()
    assert indented.content != plain.content
    assert b'\n  "results"' in indented.content


def test_errors_are_not_cached(alice_client: Any) -> None:
    first = alice_client.get(URL, {"start": "not-a-date"})
    second = alice_client.get(URL, {"start": "not-a-date"})

    assert first.status_code == second.status_code == 400
    assert not [key for key in cache._cache if ":kpis:answer:" in key]  # locmem in tests


def _count_renders(monkeypatch: pytest.MonkeyPatch, delay_s: float) -> list[int]:
    """Make the platform answer's serialization record each run (and take `delay_s`)."""
    calls: list[int] = []
    original = answers._rendered

    def counted(*args: Any) -> Any:
        calls.append(threading.get_ident())
        time.sleep(delay_s)
        return original(*args)

    monkeypatch.setattr(answers, "_rendered", counted)
    return calls


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_render_a_missing_answer_once(
    alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.clear()  # the label's load committed, so the warm-up already filled the cache
    calls = _count_renders(monkeypatch, delay_s=0.3)

    def call() -> bytes:
        client = Client()
        client.force_login(alice)
        response = client.get(URL)
        assert response.status_code == 200
        return response.content

    bodies = run_at_once(CALLERS, call)

    assert len(calls) == 1
    assert len(bodies) == CALLERS
    assert set(bodies) == {bodies[0]}
    assert b'"platform":"Spotify"' in bodies[0]


def test_a_caller_answers_itself_when_the_holder_outlives_the_lock(
    alice_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "KPI_LOCK_TIMEOUT_S", 0.2)
    real_add = cache.add
    monkeypatch.setattr(
        cache,
        "add",
        lambda key, *a, **k: False if key.endswith(":lock") else real_add(key, *a, **k),
    )

    began = time.monotonic()
    response = alice_client.get(URL)

    assert time.monotonic() - began >= 0.2
    assert response.status_code == 200
    assert b'"platform":"Spotify"' in response.content


def test_a_client_that_accepts_gzip_gets_the_same_answer_compressed(alice_client: Any) -> None:
    plain = alice_client.get(URL)
    compressed = alice_client.get(URL, HTTP_ACCEPT_ENCODING="gzip, deflate")

    assert compressed["Content-Encoding"] == "gzip"
    assert int(compressed["Content-Length"]) < len(plain.content)
    assert gzip.decompress(compressed.content) == plain.content
    assert "Accept-Encoding" in plain["Vary"]
