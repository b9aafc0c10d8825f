"""Send a Channels group message after the current transaction commits; never fail the caller."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:  # an announcement must never fail the pipeline that made the change
        logger.warning(
            "broadcast_failed group=%s type=%s error=%s",
            group,
            message.get("type"),
            type(error).__name__,
        )


def broadcast_on_commit(group: str, message: dict[str, Any]) -> None:
    """Announce a change to open pages only once it is committed (never a rolled-back one)."""
    transaction.on_commit(partial(_group_send, group, message))
