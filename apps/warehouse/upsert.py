"""The one bulk-upsert primitive: COPY + INSERT ... ON CONFLICT on PostgreSQL, batched
INSERT ... ON CONFLICT elsewhere. Loaders hand it typed Arrow tables named like the DB columns."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from psycopg.errors import UniqueViolation

# Rows per transaction on the portable path; ~25 columns x 5,000 rows of Python values is ~10 MB.
LOAD_BATCH_ROWS = 5000
# Rows per CSV piece handed to COPY (statement lines: ~5 MB, about what the socket buffers), so
# the next piece is encoded while the server still parses this one: the encoding (1M lines:
# 1.2 s) then overlaps the COPY instead of preceding it.
COPY_PIECE_ROWS = 20_000
# Pieces the encoding thread of `bulk_insert_if_all_new` may run ahead of the COPY (~5 MB each).
PIECES_AHEAD = 3


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def bulk_upsert(
    *, model: type[Model], table: pa.Table, unique_fields: list[str], update_fields: list[str]
) -> int:
    """Insert new rows and update changed ones on the natural key; identical rows are untouched,
    so loading the same data twice changes nothing. Returns the number of input rows."""
    bulk_upsert_all_new(
        model=model, table=table, unique_fields=unique_fields, update_fields=update_fields
    )
    return table.num_rows


def bulk_upsert_all_new(
    *, model: type[Model], table: pa.Table, unique_fields: list[str], update_fields: list[str]
) -> bool:
    """`bulk_upsert`, telling whether every row was new: then the table holds its old rows plus
    exactly `table`, and what is derived from it can be added to rather than recomputed. False
    means some rows may have replaced others (always False off PostgreSQL, whose portable path
    does not tell)."""
    if table.num_rows == 0:
        return True
    if connection.vendor == "postgresql":
        return _upsert_postgresql(model, table, unique_fields, update_fields)
    _upsert_portable(model, table, unique_fields, update_fields)
    return False


def _conflict_clause(target: str, unique_fields: list[str], update_fields: list[str]) -> str:
    assignments = ", ".join(f"{_quoted(f)} = EXCLUDED.{_quoted(f)}" for f in update_fields)
    current = ", ".join(f"{target}.{_quoted(f)}" for f in update_fields)
    incoming = ", ".join(f"EXCLUDED.{_quoted(f)}" for f in update_fields)
    keys = ", ".join(_quoted(f) for f in unique_fields)
    return (
        f"ON CONFLICT ({keys}) DO UPDATE SET {assignments} "
        f"WHERE ({current}) IS DISTINCT FROM ({incoming})"
    )


class _CsvPieces:
    """`table` in `order`, as CSV pieces of `COPY_PIECE_ROWS` rows. Each piece is taken and
    encoded when first sent, so both overlap the COPY of the piece before (1M lines: 0.55 s of
    take, 1.2 s of encoding), and kept, so a second COPY of the same rows (the staging path)
    reuses it."""

    def __init__(self, table: pa.Table, order: pa.Array) -> None:
        self._table = table
        self._order = order
        self._encoded: list[pa.Buffer] = []

    def __iter__(self) -> Iterator[pa.Buffer]:
        for index, start in enumerate(range(0, len(self._order), COPY_PIECE_ROWS)):
            if index == len(self._encoded):
                rows = self._table.take(self._order[start : start + COPY_PIECE_ROWS])
                sink = pa.BufferOutputStream()
                pacsv.write_csv(rows, sink, pacsv.WriteOptions(include_header=False))
                self._encoded.append(sink.getvalue())
            yield self._encoded[index]


def _encoded_piece(table: pa.Table, order: pa.Array, start: int) -> pa.Buffer:
    rows = table.take(order[start : start + COPY_PIECE_ROWS])
    sink = pa.BufferOutputStream()
    pacsv.write_csv(rows, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _pieces_encoded_ahead(table: pa.Table, order: pa.Array) -> Iterator[pa.Buffer]:
    """`table` in `order` as CSV pieces, taken and encoded on a worker thread a few pieces
    ahead of the consumer. Arrow's take and CSV writer release the GIL, so on two cores the
    encoding (1M statement lines: ~1.5 s) runs beside the COPY's sending instead of between
    its writes, and no more than `PIECES_AHEAD` pieces are held at once."""
    starts = iter(range(0, len(order), COPY_PIECE_ROWS))
    pending: deque[Future[pa.Buffer]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bedrot-csv") as pool:

        def submit_next() -> None:
            start = next(starts, None)
            if start is not None:
                pending.append(pool.submit(_encoded_piece, table, order, start))

        for _ in range(PIECES_AHEAD):
            submit_next()
        try:
            while pending:
                piece = pending.popleft().result()
                submit_next()
                yield piece
        finally:
            # A COPY that stopped early (a key already present) leaves work it will not use.
            for future in pending:
                future.cancel()


def _key_order(table: pa.Table, unique_fields: list[str]) -> pa.Array:
    # The key columns in one chunk each: sorting a table of many chunks (one per partition)
    # took 1.9 s for 1M lines, 0.8 s combined. The combined copy is dropped on return.
    keys = table.select(unique_fields).combine_chunks()
    return pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in unique_fields])


def bulk_insert_if_all_new(
    *, model: type[Model], table: pa.Table, unique_fields: list[str]
) -> bool:
    """Insert every row of `table` with one COPY, in natural-key order, when none of its keys
    is in the table yet; otherwise change nothing and return False (the caller then upserts
    the rows its usual way). PostgreSQL only (elsewhere: False).

    For loads of many partitions at once (a whole statement): one COPY in key order fills the
    unique index leaf after leaf, where a sorted COPY per month partition goes over the whole
    key space once per partition (1M statement lines in 18 partitions, backend: 9-10.5 s and
    548 MB of WAL -> 6.8-7.4 s and 491 MB)."""
    if table.num_rows == 0:
        return True
    if connection.vendor != "postgresql":
        return False
    target = _quoted(model._meta.db_table)
    columns = ", ".join(_quoted(name) for name in table.column_names)
    order = _key_order(table, unique_fields)
    statement = f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _copy_pieces(cursor, statement, _pieces_encoded_ahead(table, order))
    except UniqueViolation:
        return False
    return True


def _copy_pieces(cursor: CursorWrapper, statement: str, pieces: Iterable[pa.Buffer]) -> None:
    with cursor.cursor.copy(statement) as copy:
        for piece in pieces:
            copy.write(memoryview(piece))


def _upsert_postgresql(
    model: type[Model], table: pa.Table, unique_fields: list[str], update_fields: list[str]
) -> bool:
    target = _quoted(model._meta.db_table)
    columns = ", ".join(_quoted(name) for name in table.column_names)
    # Rows go in natural-key order: the unique index then fills page after page instead of at
    # random (1M statement lines: INSERT 18.9 s -> 16 s, for a 0.4 s sort), and concurrent
    # upserts of overlapping keys take their row locks in the same order. Arrow orders text
    # by bytes, as the statement key's "C" collation does (migration 0010).
    order = pc.sort_indices(table, sort_keys=[(name, "ascending") for name in unique_fields])
    pieces = _CsvPieces(table, order)
    with transaction.atomic(), connection.cursor() as cursor:
        if _copy_when_all_new(cursor, target, columns, pieces):
            return True
        cursor.execute(
            f"CREATE TEMP TABLE bedrot_upsert ON COMMIT DROP AS "
            f"SELECT {columns} FROM {target} WITH NO DATA"
        )
        _copy_pieces(cursor, f"COPY bedrot_upsert ({columns}) FROM STDIN WITH (FORMAT csv)", pieces)
        cursor.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM bedrot_upsert "
            + _conflict_clause(target, unique_fields, update_fields)
        )
        # Dropped now rather than at commit, since an outer transaction may hold several loads.
        cursor.execute("DROP TABLE bedrot_upsert")
    return False


def _copy_when_all_new(
    cursor: CursorWrapper, target: str, columns: str, pieces: _CsvPieces
) -> bool:
    """COPY straight into the table, in a savepoint, and report whether every row was new.

    New keys are the bulk case (a first load, a new month): COPY writes them in batches, while
    the staging path copies them twice and pays a speculative insertion per row (1M statement
    lines: 11 s of `INSERT ... ON CONFLICT`). The unique index stops the COPY at the first key
    already present. Rows come in key order and hashed keys spread any overlap over the key
    space, so a reload or a largely overlapping partition stops within its first rows; only a
    partition with a few old keys among many new ones pays for its rows twice."""
    try:
        with transaction.atomic():
            _copy_pieces(cursor, f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)", pieces)
    except UniqueViolation:
        return False
    return True


def _python_value(value: object) -> object:
    # SQLite keeps exact decimals only as text; Django reads them back as Decimal.
    return str(value) if isinstance(value, Decimal) else value


def _upsert_portable(
    model: type[Model], table: pa.Table, unique_fields: list[str], update_fields: list[str]
) -> None:
    target = _quoted(model._meta.db_table)
    columns = ", ".join(_quoted(name) for name in table.column_names)
    placeholders = ", ".join(["%s"] * table.num_columns)
    assignments = ", ".join(f"{_quoted(f)} = excluded.{_quoted(f)}" for f in update_fields)
    keys = ", ".join(_quoted(f) for f in unique_fields)
    sql = (
        f"INSERT INTO {target} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {assignments}"
    )
    for batch in table.to_batches(max_chunksize=LOAD_BATCH_ROWS):
        columns_data = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        rows = [tuple(_python_value(v) for v in row) for row in zip(*columns_data, strict=True)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
