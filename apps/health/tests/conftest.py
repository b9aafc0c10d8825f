"""Health tests never reach a broker: messages health sends by name are recorded instead."""

from __future__ import annotations

from typing import Any

import pytest

from apps.health import dispatch, notifications


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every task health sent: name, kwargs, task id and the linked next task's name."""
    sent: list[dict[str, Any]] = []

    def record(
        name: str,
        kwargs: dict[str, Any],
        task_id: str,
        link: Any | None = None,
        countdown_s: int | None = None,
    ) -> None:
        sent.append(
            {
                "name": name,
                "kwargs": kwargs,
                "task_id": task_id,
                "link": link.task if link is not None else None,
            }
        )
        if countdown_s:
            sent[-1]["countdown_s"] = countdown_s

    monkeypatch.setattr(dispatch, "_send", record)
    monkeypatch.setattr(notifications, "_sleep", lambda seconds: None)
    return sent
