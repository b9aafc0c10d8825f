"""Tests of single flight: the same work started by several threads at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

_T = TypeVar("_T")


def run_at_once(count: int, work: Callable[[], _T]) -> list[_T]:
    """`work` in `count` threads released together; their results, and no error lost in a thread
    (the first one is raised here)."""
    start = threading.Barrier(count)
    results: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; the flush needs them gone

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results
