"""Refresh the stored alerts and warm the KPI cache after every finished warehouse load.

The warehouse may not import the KPI app (apps build on the ones to their left), so the KPI
app listens for the load record itself: a `WarehouseLoad` row is created once per finished
load, inside the load's transaction. Like a cache refresh, the work is derived data: it runs
on a worker after the commit, and its failure is logged, never turned into a failed load.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.warehouse.models import WarehouseLoad

logger = logging.getLogger(__name__)


def alerts_refresh_enqueue() -> None:
    """Queue an alert refresh; an unreachable broker (or, when eager, a failing refresh) is
    logged: the load that triggered it has committed its facts and stays valid."""
    from apps.kpis.tasks import kpi_alerts_refresh_task  # tasks import the services

    try:
        kpi_alerts_refresh_task.delay()
    except Exception as error:  # alerts are advisory; the load already committed
        logger.exception("kpi_alerts_refresh_failed error=%s", type(error).__name__)


def cache_warm_enqueue(*, load_id: int) -> None:
    """Queue the KPI cache warm-up after load `load_id`; a failure is logged like the alert
    refresh's: an unwarmed KPI is only computed on its first request."""
    from apps.kpis.tasks import kpi_cache_warm_task

    try:
        kpi_cache_warm_task.delay(load_id=load_id)
    except Exception as error:  # the cache is derived data; the load already committed
        logger.exception("kpi_cache_warm_enqueue_failed error=%s", type(error).__name__)


# A correction records a load too, but only re-points facts between artists, tracks or
# platforms; the label-level alerts it could move are caught by the hourly refresh.
CORRECTION_PREFIX = "correction:"


@receiver(post_save, sender=WarehouseLoad, dispatch_uid="kpis_alerts_after_load")
def _alerts_after_load(
    sender: type[WarehouseLoad], instance: WarehouseLoad, created: bool, **kwargs: Any
) -> None:
    if created and not instance.dataset.startswith(CORRECTION_PREFIX):
        transaction.on_commit(alerts_refresh_enqueue)


@receiver(post_save, sender=WarehouseLoad, dispatch_uid="kpis_cache_warm_after_load")
def _cache_warm_after_load(
    sender: type[WarehouseLoad], instance: WarehouseLoad, created: bool, **kwargs: Any
) -> None:
    # A correction changes the version too, but it is a rare staff action: its next request
    # per KPI recomputes once (single flight), so it is not worth a warm-up of every KPI.
    if created and not instance.dataset.startswith(CORRECTION_PREFIX):
        transaction.on_commit(partial(cache_warm_enqueue, load_id=instance.pk))


def warehouse_version_announce() -> None:
    """Publish the committed warehouse version for the KPI answer edge (apps/kpis/edge.py)."""
    from apps.kpis.edge import warehouse_version_publish
    from apps.kpis.selectors import warehouse_snapshot_get

    try:
        warehouse_version_publish(warehouse_snapshot_get().version, replace=True)
    except Exception as error:  # the published version expires; Django publishes it again
        logger.exception("kpi_warehouse_version_publish_failed error=%s", type(error).__name__)


@receiver(post_save, sender=WarehouseLoad, dispatch_uid="kpis_version_after_load")
@receiver(post_delete, sender=WarehouseLoad, dispatch_uid="kpis_version_after_load_gone")
def _version_after_load(sender: type[WarehouseLoad], **kwargs: Any) -> None:
    # Every load and correction, including those the receivers above skip.
    transaction.on_commit(warehouse_version_announce)
