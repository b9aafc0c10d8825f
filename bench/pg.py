"""PostgreSQL helpers for the benchmarks: scratch databases and a few read-only queries."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# The server the benchmarks run on; its `postgres` database is only used to create the others.
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Server settings that decide bulk-load speed, printed with the report.
REPORTED_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "wal_level",
    "synchronous_commit",
    "fsync",
    "full_page_writes",
)


def database_url(name: str) -> str:
    """The admin URL pointed at another database on the same server."""
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(name: str) -> str:
    """Drop (closing any session on it) and create an empty database; returns its URL."""
    drop_database(name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(name)


def drop_database(name: str) -> None:
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def checkpoint() -> bool:
    """Flush dirty buffers now, so a measured run does not pay for the previous run's writes
    (a million-line load leaves ~1 GB of WAL behind). False when the role may not do it."""
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def fetch_one(url: str, query: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    if row is None:
        raise RuntimeError(f"no row from {query!r}")
    return row


def fetch_all(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def server_info() -> dict[str, str]:
    """Server version and the settings that matter for a bulk load."""
    rows = fetch_all(
        ADMIN_URL,
        "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name",
        (list(REPORTED_SETTINGS),),
    )
    info = {"server_version": str(fetch_one(ADMIN_URL, "SHOW server_version")[0])}
    info.update(dict(sorted(rows)))
    return info
