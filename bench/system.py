"""What a benchmark ran on: hardware and versions (SPEC section 8 asks every report for both)."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

PACKAGES = ("Django", "pandas", "pyarrow", "numpy", "psycopg")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def hardware() -> dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
    }


def versions(server: dict[str, str]) -> dict[str, str]:
    found = {"python": sys.version.split()[0], "postgresql": server.get("server_version", "?")}
    for package in PACKAGES:
        try:
            found[package.lower()] = version(package)
        except PackageNotFoundError:
            found[package.lower()] = "not installed"
    return found
