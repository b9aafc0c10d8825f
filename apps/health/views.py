"""The health page (/health/) and its ops console actions (operators only)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from apps.health.api import RunFilterSerializer, credential_rows
from apps.health.cadence import HEALTH_SOURCE_IDS
from apps.health.errors import BedrotError
from apps.health.models import RemediationAction, RunStatus, SourcePause
from apps.health.ops import source_pause, source_resume, source_schedule_list, task_run_retry
from apps.health.scoring import overall_status
from apps.health.selectors import RunFilter, possibly_cached_files, task_run_list
from apps.health.services import health_evaluate

OPERATORS_GROUP = "operators"
RUNS_SHOWN = 100
FRAGMENTS = {"runs": "health/partials/runs.html", "sources": "health/partials/sources.html"}


def is_operator(user: Any) -> bool:
    return bool(
        user.is_superuser or (user.is_staff and user.groups.filter(name=OPERATORS_GROUP).exists())
    )


def _run_filters(request: HttpRequest) -> tuple[RunFilter, dict[str, list[str]]]:
    params = {key: value for key, value in request.GET.items() if value and key != "fragment"}
    serializer = RunFilterSerializer(data=params)
    if not serializer.is_valid():
        return RunFilter(), {key: [str(e) for e in errs] for key, errs in serializer.errors.items()}
    return serializer.run_filter(), {}


def _schedules() -> list[dict[str, Any]]:
    rows = []
    for source in HEALTH_SOURCE_IDS:
        for task in source_schedule_list(source=source):
            rows.append(
                {
                    "source": source,
                    "name": task.name,
                    "enabled": task.enabled,
                    "last_run_at": task.last_run_at,
                    "id": task.pk,
                }
            )
    return rows


def _credentials() -> list[dict[str, Any]]:
    """The API's credential rows with their times as datetimes, so the page formats them."""
    return [
        {
            **row,
            "expires_at": parse_datetime(row["expires_at"]) if row["expires_at"] else None,
            "last_verified_at": (
                parse_datetime(row["last_verified_at"]) if row["last_verified_at"] else None
            ),
        }
        for row in credential_rows()
    ]


def _context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    evaluated = health_evaluate(now=now)
    run_filter, filter_errors = _run_filters(request)
    return {
        "generated_at": now,
        "overall_status": overall_status([item.score for item in evaluated]),
        "evaluated": evaluated,
        "runs": list(task_run_list(filters=run_filter)[:RUNS_SHOWN]),
        "run_filter": run_filter,
        "filter_errors": filter_errors,
        "run_statuses": RunStatus.values,
        "source_ids": HEALTH_SOURCE_IDS,
        "credentials": _credentials(),
        "pauses": SourcePause.objects.filter(resumed_at__isnull=True),
        "schedules": _schedules(),
        "actions": RemediationAction.objects.all()[:20],
        "possibly_cached": possibly_cached_files(),
        "is_operator": is_operator(request.user),
    }


@require_GET
def health_page(request: HttpRequest) -> HttpResponse:
    """Overall status, a card per source, runs, credentials and the ops console."""
    fragment = request.GET.get("fragment", "")
    is_htmx = bool(getattr(request, "htmx", False))
    template = FRAGMENTS.get(fragment, "health/health.html") if is_htmx else "health/health.html"
    response = render(request, template, _context(request))
    response["Vary"] = "HX-Request"
    return response


def _require_operator(request: HttpRequest) -> None:
    if not is_operator(request.user):
        raise PermissionDenied


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("health:page"))


def _source_and_account(request: HttpRequest) -> tuple[str, str] | None:
    source = request.POST.get("source", "")
    account = request.POST.get("account", "")[:200]
    return (source, account) if source in HEALTH_SOURCE_IDS else None


@require_POST
def health_run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    _require_operator(request)
    try:
        run = task_run_retry(run_id=run_id)
    except BedrotError as error:
        messages.error(request, error.message)
        return _back()
    messages.success(request, f"Run {run_id} retried as run {run.pk}.")
    return _back()


@require_POST
def health_source_pause(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    target = _source_and_account(request)
    if target is None:
        return HttpResponse("unknown source", status=400)
    pause = source_pause(source=target[0], account=target[1], reason=f"paused by {request.user}")
    messages.success(
        request, f"{target[0]} paused ({len(pause.periodic_task_names)} schedule(s) disabled)."
    )
    return _back()


@require_POST
def health_source_resume(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    target = _source_and_account(request)
    if target is None:
        return HttpResponse("unknown source", status=400)
    pause = source_resume(source=target[0], account=target[1])
    if pause is None:
        messages.error(request, f"{target[0]} was not paused.")
    else:
        messages.success(request, f"{target[0]} resumed; the extraction runs once now.")
    return _back()
