"""SPEC 7 configuration invariants (access, outbound calls, retries, data, Redis) and R24's
limit ordering for every registered task."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps as django_apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from apps.sources.datasets import DATASETS
from bedrot_site.celery import app as celery_app
from bedrot_site.launcher import redis_config

BASE_DIR = Path(__file__).resolve().parents[2]
HTTP_LIBRARIES = {"urllib.request", "urllib3", "requests", "httpx", "aiohttp", "http.client"}
SENDING_CALLS = {"urlopen", "request", "request_encode_body", "request_encode_url"}
BROAD_EXCEPTIONS = (Exception, BaseException)
# Warehouse tables that are logs or settings, not facts or dimensions: they have no natural key.
NO_NATURAL_KEY = {
    "warehouseload": "one row per load run, identified by its id",
    "correction": "an audit trail of edits; several may touch the same row",
    "validationreport": "one row per validation run, identified by its id",
    # Derived sums, rewritten a sale month at a time from the lines (test_rollup checks them).
    "revenuerollup": "a group of statement lines, rebuilt with them, never upserted",
    "territoryrollup": "a group of statement lines, rebuilt with them, never upserted",
}


def _product_modules() -> Iterator[tuple[str, ast.Module]]:
    for root in ("apps", "bedrot_site"):
        for path in sorted((BASE_DIR / root).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "self":
        return ""  # a client's own wrapper method, which sends through the checked call
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_every_http_call_has_an_explicit_timeout() -> None:
    senders: dict[str, int] = {}
    without_timeout = []
    for relative, tree in _product_modules():
        if not _imports(tree) & HTTP_LIBRARIES:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in SENDING_CALLS:
                senders[relative] = senders.get(relative, 0) + 1
                if "timeout" not in {keyword.arg for keyword in node.keywords}:
                    without_timeout.append(f"{relative}:{node.lineno}")

    # only the vendor client and the notifier send HTTP, one call site each, both with timeouts
    assert senders == {"apps/health/notifications.py": 1, "apps/sources/http.py": 1}
    assert without_timeout == []


def _bedrot_tasks() -> dict[str, object]:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith("apps.")}


def test_autoretry_for_names_specific_exceptions_only() -> None:
    tasks = _bedrot_tasks()
    broad = {
        name: task.autoretry_for  # type: ignore[attr-defined]
        for name, task in tasks.items()
        if any(
            exc in BROAD_EXCEPTIONS
            for exc in getattr(task, "autoretry_for", ())  # type: ignore[attr-defined]
        )
    }
    retrying = [name for name, task in tasks.items() if getattr(task, "autoretry_for", ())]
    assert len(retrying) == len(tasks) >= 14
    assert broad == {}


def test_every_task_has_soft_below_hard_below_the_visibility_timeout() -> None:
    conf = celery_app.conf
    visibility_timeout_s = conf.broker_transport_options["visibility_timeout"]
    tasks = _bedrot_tasks()
    faults = {}
    for name, task in tasks.items():
        soft = task.soft_time_limit or conf.task_soft_time_limit  # type: ignore[attr-defined]
        hard = task.time_limit or conf.task_time_limit  # type: ignore[attr-defined]
        waits = [task.default_retry_delay]  # type: ignore[attr-defined]
        if getattr(task, "retry_backoff", False):
            waits.append(task.retry_backoff_max)  # type: ignore[attr-defined]
        if not (soft < hard < visibility_timeout_s and max(waits) < visibility_timeout_s):
            faults[name] = (soft, hard, max(waits))
    assert len(tasks) >= 14
    assert faults == {}


def test_no_countdown_or_eta_reaches_the_visibility_timeout() -> None:
    visibility_timeout_s = celery_app.conf.broker_transport_options["visibility_timeout"]
    delays = []
    for relative, tree in _product_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                delays.extend(
                    (f"{relative}:{node.lineno}", keyword.value)
                    for keyword in node.keywords
                    if keyword.arg in {"countdown", "eta"}
                )
    # a delay must be a literal we can compare; none is in use today
    too_long = [
        where
        for where, value in delays
        if not (isinstance(value, ast.Constant) and value.value < visibility_timeout_s)
    ]
    assert too_long == []
    assert len(delays) == 0


def _views(patterns: list[object], prefix: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)  # type: ignore[attr-defined]
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def test_no_api_view_weakens_the_default_staff_permission() -> None:
    api_views = {
        route: callback.cls  # type: ignore[attr-defined]
        for route, callback in _views(get_resolver().url_patterns)
        if isinstance(getattr(callback, "cls", None), type) and issubclass(callback.cls, APIView)  # type: ignore[attr-defined]
    }
    weakened = sorted(
        route
        for route, view in api_views.items()
        if not any(issubclass(perm, IsAdminUser) for perm in view.permission_classes)
    )
    assert len(api_views) >= 30
    assert weakened == []


def _has_unique_key(model: type[models.Model]) -> bool:
    meta = model._meta
    if any(isinstance(c, models.UniqueConstraint) for c in meta.constraints):
        return True
    if meta.unique_together:
        return True
    return any(field.unique and not field.primary_key for field in meta.local_fields)


def test_every_warehouse_table_has_a_unique_natural_key() -> None:
    warehouse_models = list(django_apps.get_app_config("warehouse").get_models())
    without = sorted(
        model._meta.model_name
        for model in warehouse_models
        if model._meta.model_name not in NO_NATURAL_KEY and not _has_unique_key(model)
    )
    assert len(warehouse_models) >= 25
    assert without == []


def test_every_curated_dataset_declares_a_natural_key_of_its_own_columns() -> None:
    faults = sorted(
        name
        for name, spec in DATASETS.items()
        if not spec.natural_key or not set(spec.natural_key) <= set(spec.schema.names)
    )
    assert len(DATASETS) >= 10
    assert faults == []


def test_redis_runs_append_only_without_evictions(tmp_path: Path) -> None:
    lines = redis_config(tmp_path / "redis.sock").splitlines()
    assert ("appendonly yes" in lines, "maxmemory-policy noeviction" in lines) == (True, True)
