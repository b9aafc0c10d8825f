"""Lake Parquet encoding: what the write options change (cost) and what they must not (data)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from apps.lake.parquet import parquet_bytes


def _table(rows: int) -> pa.Table:
    return pa.table(
        {
            "fingerprint": [f"{index:064x}" for index in range(rows)],
            "store": ["Spotify", "Deezer"] * (rows // 2),
            "quantity": list(range(rows)),
            "day": [date(2025, 1, 1 + index % 28) for index in range(rows)],
            "amount": pa.array([Decimal("0.5")] * rows, pa.decimal128(24, 12)),
            "note": [None] * rows,
        }
    )


def _column_chunk(body: bytes, name: str) -> pq.ColumnChunkMetaData:
    metadata = pq.ParquetFile(io.BytesIO(body)).metadata
    names = metadata.schema.names
    return metadata.row_group(0).column(names.index(name))


def test_the_bytes_read_back_identically_with_pyarrow_and_pandas() -> None:
    # given a table mixing unique text, repeated text, numbers, dates, decimals and nulls
    table = _table(10_000)

    # when it is encoded
    body = parquet_bytes(table)

    # then both readers get the same values back
    assert pq.read_table(io.BytesIO(body)).equals(table)
    frame = pd.read_parquet(io.BytesIO(body))
    assert frame["fingerprint"].tolist() == table.column("fingerprint").to_pylist()
    assert frame["quantity"].sum() == sum(range(10_000))


def test_unique_text_has_no_dictionary_and_text_has_no_statistics() -> None:
    # given a unique text column and a repeated one
    body = parquet_bytes(_table(10_000))

    # when the file's column metadata is read
    fingerprint = _column_chunk(body, "fingerprint")
    store = _column_chunk(body, "store")
    quantity = _column_chunk(body, "quantity")

    # then only the repeated text is dictionary-encoded, and only numbers carry statistics
    assert not fingerprint.has_dictionary_page
    assert store.has_dictionary_page
    assert fingerprint.compression == store.compression == "ZSTD"
    assert not fingerprint.is_stats_set
    assert not store.is_stats_set
    assert quantity.is_stats_set
    assert quantity.statistics.min == 0
    assert quantity.statistics.max == 9_999


def test_nested_columns_keep_the_writer_defaults() -> None:
    # given a table with a list column
    table = pa.table({"key": ["a", "b"], "values": [[1, 2], [3]]})

    # when it is encoded, then it reads back unchanged
    assert pq.read_table(io.BytesIO(parquet_bytes(table))).equals(table)


def test_an_empty_table_round_trips() -> None:
    table = _table(0)

    assert pq.read_table(io.BytesIO(parquet_bytes(table))).equals(table)
