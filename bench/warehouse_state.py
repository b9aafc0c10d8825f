"""The warehouse's fact tables as figures a run can be compared on: per table the row count,
the sum of every numeric column and a content checksum, plus the rows a run wrote.

Fact tables are found from the schema, not listed by hand: every table loaded from curated
carries `source_file_id`; the revenue rollups are derived from the statement lines in the same
transaction and are compared with them.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

ROLLUP_TABLES = ("warehouse_revenuerollup", "warehouse_territoryrollup")
NUMERIC_TYPES = ("smallint", "integer", "bigint", "numeric", "double precision", "real")

FACT_TABLES = """
    SELECT table_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name = 'source_file_id'
      AND table_name LIKE 'warehouse\\_%%'
    ORDER BY table_name
"""
NUMERIC_COLUMNS = """
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = %s AND data_type = ANY(%s)
      AND column_name <> 'id'
    ORDER BY ordinal_position
"""


def fact_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(FACT_TABLES).fetchall()
    return [name for (name,) in rows]


def compared_tables(conn: psycopg.Connection) -> list[str]:
    present = {
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    }
    return [*fact_tables(conn), *(name for name in ROLLUP_TABLES if name in present)]


def table_figures(conn: psycopg.Connection, table: str) -> dict[str, Any]:
    """count(*), the sum of each numeric column (surrogate `id` left out, as a reload may
    renumber rows) and a checksum: the sum of a 64-bit hash of each row's content without `id`,
    which does not depend on row order."""
    columns = [name for (name,) in conn.execute(NUMERIC_COLUMNS, (table, list(NUMERIC_TYPES)))]
    sums = [
        sql.SQL("coalesce(sum({})::numeric, 0)::text").format(sql.Identifier(column))
        for column in columns
    ]
    query = sql.SQL(
        "SELECT count(*), "
        "coalesce(sum(hashtextextended((to_jsonb(t) - 'id')::text, 0)::numeric), 0)::text"
        "{} FROM {} AS t"
    ).format(sql.SQL("").join(sql.SQL(", ") + item for item in sums), sql.Identifier(table))
    row = conn.execute(query).fetchone()
    assert row is not None
    return {"rows": row[0], "checksum": row[1], "sums": dict(zip(columns, row[2:], strict=True))}


def snapshot(database_url: str) -> dict[str, dict[str, Any]]:
    """Figures of every compared table, by table name."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return {table: table_figures(conn, table) for table in compared_tables(conn)}


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """One line per table whose figures differ (count, checksum or a column sum)."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table), after.get(table)
        if old == new:
            continue
        if old is None or new is None:
            lines.append(f"{table}: only {'after' if old is None else 'before'}")
            continue
        changed = [key for key in ("rows", "checksum") if old[key] != new[key]]
        changed += [
            f"sum({column})"
            for column in old["sums"]
            if old["sums"][column] != new["sums"].get(column)
        ]
        lines.append(f"{table}: {', '.join(changed)} ({old['rows']} -> {new['rows']} rows)")
    return lines


def current_xid(database_url: str) -> int:
    """A transaction id to compare `xmin` with: rows written after it have a larger one."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT mod(txid_current(), 4294967296)").fetchone()
    assert row is not None
    return int(row[0])


def rows_written_since(database_url: str, xid: int) -> dict[str, int]:
    """Fact rows inserted or updated after `xid`, per table (tables with none left out).
    Valid while the server's transaction counter has not wrapped since `xid` was taken."""
    written = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in fact_tables(conn):
            query = sql.SQL("SELECT count(*) FROM {} WHERE xmin::text::bigint >= %s").format(
                sql.Identifier(table)
            )
            row = conn.execute(query, (xid,)).fetchone()
            if row and row[0]:
                written[table] = row[0]
    return written


def rows_by_file(database_url: str, file_id: int) -> dict[str, int]:
    """Warehouse rows whose `source_file_id` is this lake file, per table (empty ones left out)."""
    found = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in fact_tables(conn):
            query = sql.SQL("SELECT count(*) FROM {} WHERE source_file_id = %s").format(
                sql.Identifier(table)
            )
            row = conn.execute(query, (file_id,)).fetchone()
            if row and row[0]:
                found[table] = row[0]
    return found


def truncate_compared_tables(database_url: str) -> list[str]:
    """Empty every compared table (no foreign key points at them), for a rebuild from nothing."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = compared_tables(conn)
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
    return tables
