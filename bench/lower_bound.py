"""The lower bound of B1, run as its own process so its memory is measured apart:
`python -m bench.lower_bound FILE DATABASE_URL`.

It reads the statement with `pandas.read_csv` (pyarrow engine, every column as a string) and
COPYs all its rows into a new, unindexed, *logged* table (like the warehouse table), in one
transaction. The table's columns are typed like the warehouse's (dates, bigint, numeric(24,12)),
so PostgreSQL does the same input conversion as in the real load (all-text columns measured
the same within 0.1 s). Prints one JSON object: timings (read, COPY, total), rows, sum of earnings.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import time
from pathlib import Path

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

TABLE = "lower_bound_lines"
# Rows converted to CSV per COPY write: ~16 MB of text, so the COPY stream stays small.
COPY_CHUNK_ROWS = 100_000
MONEY = "numeric(24,12)"
# Vendor header -> PostgreSQL type of the matching warehouse column; anything else is text.
TYPES = {
    "Date Inserted": "date",
    "Reporting Date": "date",
    "Quantity": "bigint",
    "Team Percentage": "integer",
    "Songwriter Royalties Withheld (USD)": MONEY,
    "Earnings (USD)": MONEY,
    "Recoup (USD)": MONEY,
}
EARNINGS = "Earnings (USD)"


def column_name(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def create_table(conn: psycopg.Connection, headers: list[str]) -> None:
    columns = [
        sql.SQL("{} {}").format(
            sql.Identifier(column_name(header)), sql.SQL(TYPES.get(header, "text"))
        )
        for header in headers
    ]
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(TABLE)))
    conn.execute(
        sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(TABLE), sql.SQL(", ").join(columns))
    )


def copy_statement(headers: list[str]) -> sql.Composed:
    # An empty field of a typed column (no recoup, no date inserted) is NULL, quoted or not.
    typed = sql.SQL(", ").join(sql.Identifier(column_name(h)) for h in headers if h in TYPES)
    return sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, FORCE_NULL ({}))").format(
        sql.Identifier(TABLE), typed
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("database_url")
    args = parser.parse_args()
    headers = list(pd.read_csv(args.path, nrows=0).columns)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        create_table(conn, headers)
        started = time.monotonic()
        frame = pd.read_csv(args.path, engine="pyarrow", dtype=str, keep_default_na=False)
        read_s = time.monotonic() - started
        with conn.transaction(), conn.cursor().copy(copy_statement(headers)) as copy:
            for start in range(0, len(frame), COPY_CHUNK_ROWS):
                chunk = pa.Table.from_pandas(
                    frame.iloc[start : start + COPY_CHUNK_ROWS], preserve_index=False
                )
                buffer = io.BytesIO()
                pacsv.write_csv(chunk, buffer, pacsv.WriteOptions(include_header=False))
                copy.write(buffer.getbuffer())
        total_s = time.monotonic() - started
        rows, earnings = conn.execute(
            sql.SQL("SELECT count(*), sum({})::text FROM {}").format(
                sql.Identifier(column_name(EARNINGS)), sql.Identifier(TABLE)
            )
        ).fetchone()
    result = {
        "read_s": round(read_s, 3),
        "copy_s": round(total_s - read_s, 3),
        "total_s": round(total_s, 3),
        "frame_rows": len(frame),
        "table_rows": rows,
        "earnings_sum": earnings,
        "table": "logged, typed columns, no index",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
