"""The KPI cache: one computation per missing key under concurrency, and a warm cache after
every load."""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.kpis import selectors, tasks
from apps.kpis.cache_warm import kpi_cache_warm
from apps.kpis.filters import RevenueFilters
from apps.kpis.models import kpi_settings_version
from apps.kpis.receivers import cache_warm_enqueue
from apps.kpis.tests.concurrency import run_at_once
from apps.kpis.tests.factories import WarehouseLoadFactory, label_statements_create
from apps.warehouse.models import WarehouseLoad
from apps.warehouse.services import warehouse_load_record

ALL = RevenueFilters()
VISITORS = 8
LABEL_REVENUE = Decimal("11.156789")  # the ten lines of `label_statements_create`

# Every computation behind the KPIs the warm-up covers.
COMPUTES = (
    "_kpi_summary",
    "_revenue_by_platform",
    "_revenue_by_artist",
    "_revenue_by_track",
    "_revenue_by_distributor",
    "_revenue_monthly",
    "_revenue_delays",
    "_streaming_summary",
    "_streaming_growth",
    "_streaming_daily",
    "_goals",
    "_spotify",
)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def _count_summaries(monkeypatch: pytest.MonkeyPatch, delay_s: float = 0.0) -> list[int]:
    """Replace the summary computation by one that records each run (and takes `delay_s`)."""
    calls: list[int] = []
    original = selectors._kpi_summary

    def counted(*args: Any) -> Any:
        calls.append(threading.get_ident())
        time.sleep(delay_s)
        return original(*args)

    monkeypatch.setattr(selectors, "_kpi_summary", counted)
    return calls


def _summary_lock_key() -> str:
    snapshot = selectors.warehouse_snapshot_get()
    return f"kpis:summary:{snapshot.version}:{kpi_settings_version()}:{ALL.cache_key()}:lock"


# --- single flight ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_visitors_compute_a_missing_kpi_once(monkeypatch: pytest.MonkeyPatch) -> None:
    label_statements_create()
    cache.clear()  # the load above committed, so the warm-up already filled the cache
    # Slow enough that every visitor finds the key missing while the first one computes.
    calls = _count_summaries(monkeypatch, delay_s=0.3)
    revenues = run_at_once(
        VISITORS, lambda: selectors.kpi_summary_get(filters=ALL).total_revenue_usd
    )

    assert len(calls) == 1
    assert revenues == [LABEL_REVENUE] * VISITORS


@pytest.mark.django_db
def test_a_waiting_visitor_takes_the_lock_holders_result(monkeypatch: pytest.MonkeyPatch) -> None:
    label_statements_create()
    calls = _count_summaries(monkeypatch)
    lock_key = _summary_lock_key()
    cache.add(lock_key, 1, timeout=10)
    cache_key = lock_key.removesuffix(":lock")

    def holder_finishes() -> None:
        time.sleep(0.2)
        cache.set(cache_key, "computed by the holder")
        cache.delete(lock_key)

    holder = threading.Thread(target=holder_finishes)
    holder.start()
    result = selectors.kpi_summary_get(filters=ALL)
    holder.join()

    assert result == "computed by the holder"
    assert calls == []


@pytest.mark.django_db
def test_a_dead_lock_holder_is_taken_over_after_the_lock_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    label_statements_create()
    calls = _count_summaries(monkeypatch)
    monkeypatch.setattr(selectors, "KPI_LOCK_TIMEOUT_S", 0.3)
    cache.add(_summary_lock_key(), 1, timeout=0.3)  # a holder that never finishes

    began = time.monotonic()
    summary = selectors.kpi_summary_get(filters=ALL)

    assert time.monotonic() - began >= 0.25
    assert len(calls) == 1
    assert summary.total_revenue_usd == LABEL_REVENUE


@pytest.mark.django_db
def test_a_failed_computation_releases_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    label_statements_create()
    original = selectors._kpi_summary

    def broken(*args: Any) -> Any:
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(selectors, "_kpi_summary", broken)
    with pytest.raises(RuntimeError):
        selectors.kpi_summary_get(filters=ALL)
    assert cache.get(_summary_lock_key()) is None

    monkeypatch.setattr(selectors, "_kpi_summary", original)
    began = time.monotonic()
    assert selectors.kpi_summary_get(filters=ALL).total_revenue_usd == LABEL_REVENUE
    assert time.monotonic() - began < selectors.KPI_LOCK_TIMEOUT_S / 2  # no wait on a stale lock


# --- warm after a load --------------------------------------------------------------------------


def _finish_a_load(django_capture_on_commit_callbacks: Any) -> WarehouseLoad:
    """The warehouse's own post-load step, with its after-commit work run (eager Celery)."""
    with django_capture_on_commit_callbacks(execute=True):
        return warehouse_load_record(
            datasets=["statement_lines"], lake_file_id=None, rows=1, started_at=timezone.now()
        )


def _count_computes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    computed: list[str] = []
    for name in COMPUTES:
        original = getattr(selectors, name)

        def counted(*args: Any, _name: str = name, _original: Any = original) -> Any:
            computed.append(_name)
            return _original(*args)

        monkeypatch.setattr(selectors, name, counted)
    return computed


@pytest.mark.django_db
def test_after_a_load_the_default_kpis_are_served_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, alice_client: Any
) -> None:
    label_statements_create()
    _finish_a_load(django_capture_on_commit_callbacks)
    computed = _count_computes(monkeypatch)

    urls = [
        "/api/kpis/summary",
        "/api/kpis/goals",
        "/api/revenue/platform",
        "/api/revenue/artist",
        "/api/revenue/track",
        "/api/revenue/distributor",
        "/api/revenue/monthly",
        "/api/revenue/delays",
        "/api/streaming/summary",
        "/api/streaming/growth",
        "/api/streaming/growth?period=week",
        "/api/streaming/growth?period=month",
        "/",  # the overview: every card, monthly, platform, 90-day streams, goals
    ]
    statuses = {url: alice_client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)
    assert computed == []
    body = alice_client.get("/api/kpis/summary").json()
    assert body["total_revenue_usd"] == "11.156789"


@pytest.mark.django_db
def test_an_unwarmed_kpi_is_still_computed_on_request(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # The control for the test above: without the warm-up the same request computes.
    label_statements_create()
    monkeypatch.setattr(tasks, "kpi_cache_warm", lambda **kwargs: [])
    _finish_a_load(django_capture_on_commit_callbacks)
    computed = _count_computes(monkeypatch)

    selectors.kpi_summary_get(filters=ALL)

    assert computed == ["_kpi_summary"]


@pytest.mark.django_db
def test_a_failing_kpi_is_logged_and_the_others_still_warm(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    label_statements_create()

    def broken(*args: Any) -> Any:
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(selectors, "_revenue_delays", broken)
    with caplog.at_level(logging.ERROR, logger="apps.kpis.cache_warm"):
        load = _finish_a_load(django_capture_on_commit_callbacks)

    assert WarehouseLoad.objects.filter(pk=load.pk).exists()
    assert "kpi_cache_warm_failed kpi=delays error=RuntimeError" in caplog.text
    warmed = kpi_cache_warm()
    assert "delays" not in warmed
    assert len(warmed) == 13  # 11 KPIs plus growth by day, week and month, less the delays


@pytest.mark.django_db
def test_an_unreachable_broker_never_fails_the_load(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def refused(**kwargs: Any) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.kpi_cache_warm_task, "delay", refused)
    with caplog.at_level(logging.ERROR, logger="apps.kpis.receivers"):
        load = _finish_a_load(django_capture_on_commit_callbacks)

    assert WarehouseLoad.objects.filter(pk=load.pk).exists()
    assert "kpi_cache_warm_enqueue_failed error=ConnectionError" in caplog.text


@pytest.mark.django_db
def test_loads_queue_the_warm_up_and_corrections_do_not(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        load = WarehouseLoadFactory(dataset="statement_lines")
        WarehouseLoadFactory(dataset="correction:artist_alias_add")

    warm_ups = [
        callback for callback in callbacks if getattr(callback, "func", None) is cache_warm_enqueue
    ]
    assert [callback.keywords["load_id"] for callback in warm_ups] == [load.pk]


@pytest.mark.django_db
def test_the_warm_task_counts_the_kpis_it_cached() -> None:
    label_statements_create()

    assert tasks.kpi_cache_warm_task.delay().get() == 14


@pytest.mark.django_db
def test_a_warm_up_superseded_by_a_newer_load_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    label_statements_create()
    older = WarehouseLoadFactory()
    newer = WarehouseLoadFactory()
    computed = _count_computes(monkeypatch)

    assert tasks.kpi_cache_warm_task.delay(load_id=older.pk).get() == 0
    assert computed == []
    assert tasks.kpi_cache_warm_task.delay(load_id=newer.pk).get() == 14
