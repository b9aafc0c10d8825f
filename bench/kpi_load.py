"""B3 (SPEC section 8): KPI endpoint latency under 32 concurrent clients, uncached and cached.

`python -m bench.kpi_load` (also run by `make bench` after B1/B2). Builds or reuses the B3
warehouse (`bench.kpi_dataset`), starts the real ASGI server (daphne, as `make run` does) with
production settings (DEBUG off) on a free 127.0.0.1 port, and drives every KPI endpoint over
HTTP/1.1 keep-alive connections with an API token, one asyncio task per client.

Per endpoint, after a probe request:
- cold: BENCH_KPI_COLD sequential requests from one client, the KPI cache invalidated before
  each, so every one computes: what one user waits for right after a load.
- uncached: BENCH_KPI_ROUNDS rounds of "invalidate, then all clients send one request at
  once": the burst that meets an empty cache after a load (the server computes, every other
  request waits for it or computes too).
- cached: the cache filled, then each client sends BENCH_KPI_REQUESTS requests back to back.

The cached pass also reports the web processes' CPU time per request (`cpu ms`, from /proc):
latencies on a machine shared with other work swing with that work, the CPU a request costs the
server barely does, so it is the figure to compare two versions of the server by.

Invalidation is the product's own: the KPI settings version (`kpis:settings_version`, part of
every KPI cache key, apps/kpis/models.py) is incremented in Redis, exactly what an edited goal
does; a finished load changes the warehouse version in the same keys the same way.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis

from bedrot_site.launcher import DEFAULT_WEB_PROCESSES, web_command, web_listener
from bench import pg, system
from bench.ingest import REDIS_URL
from bench.kpi_dataset import (
    DATABASE,
    KpiWarehouse,
    exclusive_run,
    kpi_folder,
    kpi_warehouse,
    new_secret_key,
)
from bench.measure import ROOT

OUT_DIR = ROOT / "bench" / "out"
SETTINGS_VERSION_KEY = "bedrot:1:kpis:settings_version"  # KEY_PREFIX:version:key in Redis
CACHED_P95_TARGET_MS = 50.0
UNCACHED_P95_TARGET_MS = 300.0
READY_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 120.0

# CONTRACT section 3 (kpis, revenue, streaming, marketing, audience) and the KPI endpoints SPEC
# 5.5 adds; an endpoint the server does not route is reported as such, not measured.
ENDPOINTS = (
    "/api/kpis/summary",
    "/api/kpis/realtime",
    "/api/kpis/goals",
    "/api/kpis/alerts",
    "/api/revenue/platform",
    "/api/revenue/artist",
    "/api/revenue/track",
    "/api/revenue/distributor",
    "/api/revenue/monthly",
    "/api/revenue/delays",
    "/api/revenue/ledger",
    "/api/revenue/territory",
    "/api/streaming/daily",
    "/api/streaming/summary",
    "/api/streaming/growth?period=day",
    "/api/streaming/growth?period=week",
    "/api/streaming/growth?period=month",
    "/api/marketing/campaigns",
    "/api/marketing/artists",
    "/api/marketing/releases",
    "/api/marketing/submithub",
    "/api/audience/tiktok",
    "/api/audience/tiktok-lag?account=zonea0",
    "/api/audience/spotify",
    "/api/audience/linktree",
    "/api/audience/instagram",
    "/api/audience/youtube",
    "/api/audience/mailchimp",
)
# SPEC section 8 names these families for B3; the others are measured and reported too.
B3_FAMILIES = ("/api/kpis/", "/api/revenue/", "/api/streaming/")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw.replace("_", "")) if raw.strip() else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _gzip_requested() -> bool:
    """BENCH_KPI_GZIP (default on): clients accept gzip, as browsers and `requests` do."""
    return os.environ.get("BENCH_KPI_GZIP", "1").strip().lower() not in {"0", "false", "no"}


def _say(text: str = "") -> None:
    print(text, flush=True)


# --- a minimal HTTP/1.1 keep-alive client --------------------------------------------------


class HttpError(RuntimeError):
    pass


class Connection:
    """One client's persistent connection; GET only, Content-Length or chunked bodies."""

    def __init__(self, port: int, token: str, *, gzip: bool = False) -> None:
        self.port = port
        self.token = token
        # As browsers and `requests` do; the body is timed as it arrives, not decompressed.
        self.accept_encoding = "Accept-Encoding: gzip\r\n" if gzip else ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, limit=1 << 20
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, float, int]:
        """(status, seconds from send to the last body byte, body bytes)."""
        status, elapsed, body, _ = await self.get_body(path)
        return status, elapsed, len(body)

    async def get_body(self, path: str) -> tuple[int, float, bytes, dict[str, str]]:
        """(status, seconds from send to the last body byte, body, headers)."""
        if self.writer is None:
            await self._open()
        assert self.reader is not None
        assert self.writer is not None
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Authorization: Token {self.token}\r\nAccept: application/json\r\n"
            f"{self.accept_encoding}\r\n"
        ).encode("ascii")
        started = time.perf_counter()
        self.writer.write(request)
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT_S)
        status, headers = _parse_head(head)
        body = await self._body(headers)
        elapsed = time.perf_counter() - started
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, elapsed, body, headers

    async def _body(self, headers: dict[str, str]) -> bytes:
        assert self.reader is not None
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() != "chunked":
            raise HttpError(f"response without a length: {headers}")
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")  # the empty trailer
        return b"".join(parts)


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers


# --- the server -----------------------------------------------------------------------------


def server_env(warehouse: KpiWarehouse, conn_max_age: str) -> dict[str, str]:
    """Production settings, minus HTTPS (the bench talks plain HTTP on the loopback).

    DATABASE_CONN_MAX_AGE defaults to 0 here: under ASGI every request runs in a thread of its
    own, so the product's default (60 s persistent connections) leaves one open PostgreSQL
    connection behind per request and exhausts `max_connections` within seconds at 32 clients
    (measured: "FATAL: sorry, too many clients already", then 500s), on a server shared with
    others. BENCH_KPI_CONN_MAX_AGE=60 reproduces it.
    """
    env = dict(warehouse.env)
    env.update(
        BEDROT_ENV="production",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=new_secret_key(),
        BEDROT_HTTPS="false",
        DATABASE_CONN_MAX_AGE=conn_max_age,
        PYTHONUNBUFFERED="1",
    )
    if conn_max_age == "0":  # as `make run` starts its web server
        env["DATABASE_POOL_SIZE"] = os.environ.get("BENCH_KPI_POOL_SIZE", "8")
    return env


@contextmanager
def running_server(
    warehouse: KpiWarehouse, log_path: Path, conn_max_age: str
) -> Iterator[tuple[int, list[int]]]:
    """The web server as the launcher starts it (BENCH_KPI_WEB_PROCESSES daphne processes on
    one listening socket) on a free port, as (port, process ids); stopped (SIGTERM, then kill)
    on exit."""
    listener = web_listener(0)
    port = int(listener.getsockname()[1])
    processes = int(os.environ.get("BENCH_KPI_WEB_PROCESSES", str(DEFAULT_WEB_PROCESSES)))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log, listener:
        servers = [
            subprocess.Popen(
                web_command(listener.fileno()),
                env=server_env(warehouse, conn_max_age),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
            for _ in range(processes)
        ]
        try:
            for server in servers:
                _wait_ready(server, port, warehouse.token)
            yield port, [server.pid for server in servers]
        finally:
            for server in servers:
                _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _wait_ready(server: subprocess.Popen[bytes], port: int, token: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"daphne exited with status {server.returncode}")
        try:
            status = asyncio.run(_one_get(port, token, "/api/kpis/alerts"))
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise RuntimeError(f"/api/kpis/alerts answered {status} with the bench token")
        return
    raise RuntimeError(f"daphne did not answer within {READY_TIMEOUT_S:g} s")


async def _one_get(port: int, token: str, path: str) -> int:
    connection = Connection(port, token)
    try:
        status, _, _ = await connection.get(path)
    finally:
        await connection.close()
    return status


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


# --- the load -------------------------------------------------------------------------------


@dataclass
class EndpointResult:
    path: str
    status: int
    body_bytes: int = 0
    cold_ms: list[float] = field(default_factory=list)
    uncached_ms: list[float] = field(default_factory=list)
    cached_ms: list[float] = field(default_factory=list)
    cached_s: float = 0.0  # wall time of the cached pass, for its request rate
    # CPU the web processes spent per cached request: unlike latencies, barely moved by
    # whatever else the machine runs, so it compares two versions of the server.
    cached_server_cpu_ms: float = math.nan
    errors: int = 0

    @property
    def served(self) -> bool:
        return self.status == 200


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a latency some request really had."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Load:
    """Clients, the Redis handle that invalidates the KPI cache, and the three passes."""

    def __init__(
        self,
        port: int,
        token: str,
        redis_url: str,
        clients: int,
        cached_budget_s: float,
        server_pids: list[int],
    ) -> None:
        self.cached_budget_s = cached_budget_s
        self.server_pids = server_pids
        self.gzip = _gzip_requested()
        self.connections = [Connection(port, token, gzip=self.gzip) for _ in range(clients)]
        self.plain = Connection(port, token)
        self.redis = redis.Redis.from_url(redis_url)

    def invalidate(self) -> None:
        self.redis.incr(SETTINGS_VERSION_KEY)

    async def _timed(self, connection: Connection, path: str, result: EndpointResult) -> float:
        status, elapsed, _ = await connection.get(path)
        if status != 200:
            result.errors += 1
        return elapsed * 1000

    async def measure(self, path: str, *, cold: int, rounds: int, requests: int) -> EndpointResult:
        first = self.connections[0]
        status, _, body, headers = await first.get_body(path)
        result = EndpointResult(path, status, len(body))
        if not result.served:
            return result
        if self.gzip:
            await self._check_same_answer(path, body, headers)
        for _ in range(cold):
            self.invalidate()
            result.cold_ms.append(await self._timed(first, path, result))
        for _ in range(rounds):
            self.invalidate()
            burst = [self._timed(conn, path, result) for conn in self.connections]
            result.uncached_ms += await asyncio.gather(*burst)
        self.invalidate()
        await first.get(path)  # fills the cache
        started = time.perf_counter()
        cpu_before = cpu_seconds(self.server_pids)
        loops = [self._client_loop(conn, path, requests, result) for conn in self.connections]
        for samples in await asyncio.gather(*loops):
            result.cached_ms += samples
        result.cached_s = time.perf_counter() - started
        if result.cached_ms:
            cpu_s = cpu_seconds(self.server_pids) - cpu_before
            result.cached_server_cpu_ms = cpu_s * 1000 / len(result.cached_ms)
        return result

    async def _check_same_answer(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        """The answer a gzip client got is the plain one, compressed (checked once, untimed)."""
        _, _, plain, _ = await self.plain.get_body(path)
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if json.loads(body) != json.loads(plain):
            raise HttpError(f"{path}: the gzip answer differs from the plain one")

    async def _client_loop(
        self, connection: Connection, path: str, requests: int, result: EndpointResult
    ) -> list[float]:
        # The time budget keeps a slow endpoint from holding the whole run for minutes.
        deadline = time.perf_counter() + self.cached_budget_s
        samples = []
        while len(samples) < requests and time.perf_counter() < deadline:
            samples.append(await self._timed(connection, path, result))
        return samples

    async def close(self) -> None:
        await self.plain.close()
        for connection in self.connections:
            await connection.close()
        self.redis.close()


async def drive(
    port: int,
    server_pids: list[int],
    token: str,
    redis_url: str,
    *,
    clients: int,
    cold: int,
    rounds: int,
    requests: int,
    cached_budget_s: float,
    only: list[str],
) -> list[EndpointResult]:
    load = Load(port, token, redis_url, clients, cached_budget_s, server_pids)
    results = []
    try:
        for path in ENDPOINTS:
            if only and not any(part in path for part in only):
                continue
            result = await load.measure(path, cold=cold, rounds=rounds, requests=requests)
            _say(f"  {_row(result)}")
            results.append(result)
    finally:
        await load.close()
    return results


# --- report ---------------------------------------------------------------------------------


def _figures(samples: list[float]) -> dict[str, float]:
    if not samples:  # a pass switched off (BENCH_KPI_ROUNDS=0, ...)
        return dict.fromkeys(("n", "p50", "p95", "p99", "max"), math.nan)
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 0.50), 1),
        "p95": round(percentile(samples, 0.95), 1),
        "p99": round(percentile(samples, 0.99), 1),
        "max": round(max(samples), 1),
    }


def _verdicts(result: EndpointResult) -> tuple[bool, bool]:
    uncached = _figures(result.uncached_ms)
    cached = _figures(result.cached_ms)
    clean = result.errors == 0
    return (
        clean and uncached["p95"] < UNCACHED_P95_TARGET_MS,
        clean and cached["p95"] < CACHED_P95_TARGET_MS,
    )


TABLE_HEAD = (
    f"{'endpoint':<34} {'bytes':>7} {'cold p50':>8} | {'uncached p50':>12} {'p95':>7} "
    f"{'p99':>7} | {'cached p50':>10} {'p95':>6} {'p99':>6} {'req/s':>6} {'cpu ms':>6} | "
    "uncached cached"
)


def _row(result: EndpointResult) -> str:
    name = result.path.removeprefix("/api/")
    if not result.served:
        return f"{name:<34} not served: HTTP {result.status}"
    cold, uncached, cached = (
        _figures(result.cold_ms),
        _figures(result.uncached_ms),
        _figures(result.cached_ms),
    )
    rate = len(result.cached_ms) / result.cached_s if result.cached_s else 0.0
    uncached_ok, cached_ok = _verdicts(result)
    errors = f" ({result.errors} non-200)" if result.errors else ""
    return (
        f"{name:<34} {result.body_bytes:>7} {cold.get('p50', 0):>8.1f} | "
        f"{uncached['p50']:>12.1f} {uncached['p95']:>7.1f} {uncached['p99']:>7.1f} | "
        f"{cached['p50']:>10.1f} {cached['p95']:>6.1f} {cached['p99']:>6.1f} {rate:>6.0f} "
        f"{result.cached_server_cpu_ms:>6.2f} | "
        f"{'PASS' if uncached_ok else 'FAIL':<8} {'PASS' if cached_ok else 'FAIL'}{errors}"
    )


def _result_json(result: EndpointResult) -> dict[str, Any]:
    uncached_ok, cached_ok = _verdicts(result) if result.served else (None, None)
    return {
        "path": result.path,
        "status": result.status,
        "body_bytes": result.body_bytes,
        "errors": result.errors,
        "cold_ms": _figures(result.cold_ms),
        "uncached_ms": _figures(result.uncached_ms),
        "cached_ms": _figures(result.cached_ms),
        "cached_requests_per_s": round(len(result.cached_ms) / result.cached_s, 1)
        if result.cached_s
        else None,
        "cached_server_cpu_ms_per_request": round(result.cached_server_cpu_ms, 2)
        if result.cached_ms
        else None,
        "uncached_p95_ok": uncached_ok,
        "cached_p95_ok": cached_ok,
    }


def _print_warehouse(warehouse: KpiWarehouse) -> None:
    made = "reused" if warehouse.reused else f"built: {warehouse.build_s} (s)"
    _say(
        f"Warehouse: {DATABASE}, {warehouse.statement_lines:,} statement lines (demo + generated), "
        f"{warehouse.stream_rows:,} daily stream rows {warehouse.stream_first} .. "
        f"{warehouse.stream_last}; {made}"
    )


def run(out_dir: Path = OUT_DIR) -> int:
    """B3 from start to end; 0, or 1 with BENCH_STRICT=1 when a target is missed, 2 on errors."""
    # A SIGTERM must still stop daphne (the `finally` of running_server).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with exclusive_run(out_dir):
        return _run_exclusive(out_dir)


def _run_exclusive(out_dir: Path) -> int:
    clients = _env_int("BENCH_KPI_CLIENTS", 32)
    cold = _env_int("BENCH_KPI_COLD", 3)
    rounds = _env_int("BENCH_KPI_ROUNDS", 2)
    requests = _env_int("BENCH_KPI_REQUESTS", 20)
    budget_s = _env_int("BENCH_KPI_CACHED_SECONDS", 30)
    redis_url = os.environ.get("BENCH_KPI_REDIS_URL", REDIS_URL)
    conn_max_age = os.environ.get("BENCH_KPI_CONN_MAX_AGE", "0")
    server = pg.server_info()
    hardware = system.hardware()
    _say("\nBedrot benchmark B3: KPI endpoints under concurrent clients (SPEC section 8)")
    _say(
        f"Hardware:  {hardware['cores']} cores, {hardware['cpu_model']}, "
        f"{hardware['ram_bytes'] / 2**30:.1f} GiB RAM (server, PostgreSQL, Redis and the load "
        "tool share them)"
    )
    warehouse = kpi_warehouse(
        out_dir,
        lines=_env_int("BENCH_LINES", 1_000_000),
        seed=_env_int("BENCH_SEED", 1987),
        redis_url=redis_url,
        reuse=_flag("BENCH_KPI_REUSE"),
    )
    _print_warehouse(warehouse)
    _say(
        f"Server:    daphne bedrot_site.asgi (BEDROT_ENV=production, DEBUG off, "
        f"DATABASE_CONN_MAX_AGE={conn_max_age}), Redis "
        f"{redis_url}; {clients} clients, cold {cold}x1, uncached {rounds}x{clients}, "
        f"cached {clients}x{requests} requests per endpoint (at most {budget_s} s); clients "
        f"{'accept gzip (bytes: as sent)' if _gzip_requested() else 'do not accept gzip'}; "
        "latencies in ms"
    )
    _say(f"  {TABLE_HEAD}")
    started = time.monotonic()
    log_path = kpi_folder(out_dir) / "logs" / "server.log"
    with running_server(warehouse, log_path, conn_max_age) as (port, server_pids):
        results = asyncio.run(
            drive(
                port,
                server_pids,
                warehouse.token,
                redis_url,
                clients=clients,
                cold=cold,
                rounds=rounds,
                requests=requests,
                cached_budget_s=budget_s,
                only=[part for part in os.environ.get("BENCH_KPI_ONLY", "").split(",") if part],
            )
        )
    return _summarise(out_dir, results, warehouse, hardware, server, started)


def _summarise(
    out_dir: Path,
    results: list[EndpointResult],
    warehouse: KpiWarehouse,
    hardware: dict[str, Any],
    server: dict[str, str],
    started: float,
) -> int:
    served = [result for result in results if result.served]
    b3 = [result for result in served if result.path.startswith(B3_FAMILIES)]
    verdicts = [_verdicts(result) for result in b3]
    targets = {
        "uncached_p95_lt_300ms": all(ok for ok, _ in verdicts),
        "cached_p95_lt_50ms": all(ok for _, ok in verdicts),
    }
    _say(
        f"\nB3 over the {len(b3)} kpis/revenue/streaming endpoints: uncached p95 < "
        f"{UNCACHED_P95_TARGET_MS:g} ms {'PASS' if targets['uncached_p95_lt_300ms'] else 'FAIL'}"
        f" ({sum(ok for ok, _ in verdicts)}/{len(b3)}); cached p95 < "
        f"{CACHED_P95_TARGET_MS:g} ms {'PASS' if targets['cached_p95_lt_50ms'] else 'FAIL'} "
        f"({sum(ok for _, ok in verdicts)}/{len(b3)})"
    )
    report = {
        "benchmark": "B3 KPI endpoints",
        "hardware": hardware,
        "versions": system.versions(server),
        "warehouse": {
            k: v for k, v in asdict(warehouse).items() if k not in {"env", "token", "database_url"}
        },
        "targets_ms": {"uncached_p95": UNCACHED_P95_TARGET_MS, "cached_p95": CACHED_P95_TARGET_MS},
        "endpoints": [_result_json(result) for result in results],
        "b3_targets": targets,
        "bench_wall_s": round(time.monotonic() - started, 1),
    }
    (out_dir / "kpi_load.json").write_text(json.dumps(report, indent=2))
    _say(f"Written: {(out_dir / 'kpi_load.json').relative_to(ROOT)}")
    if any(result.errors for result in served):
        return 2
    return 1 if _flag("BENCH_STRICT") and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(run())
