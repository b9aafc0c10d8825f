"""Run one command in a subprocess and measure it: wall time and peak resident memory.

The peak is the kernel's own figure for that child (`os.wait4` -> `ru_maxrss`, the maximum RSS
the process reached, or the largest of its waited-for descendants); a sampler also polls the
RSS of the whole process tree every few milliseconds, which would see a worker the child starts.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INTERVAL_S = 0.02


@dataclass(frozen=True)
class Measured:
    argv: list[str]
    returncode: int
    wall_s: float
    # Kernel high-water mark of the child (ru_maxrss), bytes.
    peak_rss_bytes: int
    # Largest sum of RSS over the child and its descendants seen by polling, bytes.
    sampled_tree_peak_bytes: int
    output: str

    @property
    def peak_bytes(self) -> int:
        return max(self.peak_rss_bytes, self.sampled_tree_peak_bytes)


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stopped.is_set():
            try:
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
            except psutil.Error:
                return
            self.peak = max(self.peak, total)
            self.stopped.wait(SAMPLE_INTERVAL_S)


def run_measured(
    argv: Sequence[str], *, env: Mapping[str, str], log_path: Path, cwd: Path = ROOT
) -> Measured:
    """Run argv to completion with stdout+stderr in log_path; nothing else runs in between."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            list(argv), env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(process.pid)
        sampler.start()
        # wait4 reaps this one child and hands back its own resource usage.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
    return Measured(
        argv=list(argv),
        returncode=process.returncode,
        wall_s=wall,
        peak_rss_bytes=usage.ru_maxrss * 1024,  # kilobytes on Linux
        sampled_tree_peak_bytes=sampler.peak,
        output=log_path.read_text(errors="replace"),
    )
