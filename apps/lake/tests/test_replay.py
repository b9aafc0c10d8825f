"""Replay: raw files through the current parser again; only what changed is re-curated."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.core.management import CommandError, call_command

from apps.lake.curated import curated_partitions
from apps.lake.models import CuratedDataset, FileStatus, LakeFile, Zone
from apps.sources.connectors.base import ParsedFile, Payload, RowError
from apps.sources.connectors.distrokid.connector import DistroKidConnector
from apps.sources.connectors.toolost.connector import TooLostConnector
from apps.warehouse.models import DailyStream, StatementLine, WarehouseLoad
from apps.warehouse.services import ingest_path

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "warehouse" / "tests" / "fixtures"
ORIGINAL_PARSE = DistroKidConnector.parse


def _curated_earnings() -> dict[int, str]:
    """line_number -> earnings of the curated statement lines."""
    rows = [row for table in curated_partitions("statement_lines") for row in table.to_pylist()]
    return {row["line_number"]: f"{row['earnings_usd']:.2f}" for row in rows}


def _parser_v2(self: DistroKidConnector, payload: Payload) -> ParsedFile:
    """A 'newer parser': line 2 earns 3.00 instead of 2.88, and line 6 is now rejected."""
    parsed = ORIGINAL_PARSE(self, payload)
    table = parsed.tables["statement_lines"]
    table = table.filter(pc.not_equal(table.column("line_number"), 6))
    earnings = [
        Decimal("3.00") if line == 2 else value
        for line, value in zip(
            table.column("line_number").to_pylist(),
            table.column("earnings_usd").to_pylist(),
            strict=True,
        )
    ]
    position = table.schema.get_field_index("earnings_usd")
    table = table.set_column(
        position,
        table.schema.field(position),
        pa.array(earnings, table.schema.field(position).type),
    )
    rejection = RowError(row=6, column="Earnings (USD)", code="bad_amount", message="v2 refuses")
    return dataclasses.replace(parsed, tables={"statement_lines": table}, rejections=[rejection])


def _replay(*args: str) -> str:
    out = StringIO()
    call_command("replay", *args, stdout=out)
    return out.getvalue()


def test_replay_of_unchanged_files_changes_nothing() -> None:
    # given a statement loaded under parser v1
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    version = CuratedDataset.objects.get(name="statement_lines").version
    loads = WarehouseLoad.objects.count()

    # when the source is replayed with the same parser
    output = _replay("--source", "distrokid")

    # then nothing is re-curated or reloaded, and the lineage row is untouched
    assert output.splitlines() == [
        f"file {outcome.lake_file_id}: unchanged",
        "replayed files=1 changed=0 unchanged=1 quarantined=0 busy=0 skipped=0",
    ]
    assert CuratedDataset.objects.get(name="statement_lines").version == version
    assert WarehouseLoad.objects.count() == loads
    assert LakeFile.objects.get(pk=outcome.lake_file_id).replays == []


def test_replay_under_a_newer_parser_reloads_the_changes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a statement of 5 lines loaded under parser v1
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    assert _curated_earnings()[2] == "2.88"
    loads = WarehouseLoad.objects.count()

    # when parser v2 (one value restated, one line now rejected) replays the file
    monkeypatch.setattr(DistroKidConnector, "parser_version", "2")
    monkeypatch.setattr(DistroKidConnector, "parse", _parser_v2)
    first = _replay("--file", str(outcome.lake_file_id))

    # then 1 key changed and 1 removed, curated holds 4 lines with the new value, reloaded once
    assert first.splitlines()[0] == (
        f"file {outcome.lake_file_id}: changed parser v1 -> v2 statement_lines: +0 ~1 -1"
        " warehouse: -1"
    )
    earnings = _curated_earnings()
    assert (len(earnings), earnings[2], 6 in earnings) == (4, "3.00", False)
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.status, lake_file.zone, lake_file.parser_version) == (
        FileStatus.LOADED,
        Zone.CURATED,
        "2",
    )
    assert (lake_file.rows_in, lake_file.rows_out, lake_file.rows_rejected) == (5, 4, 1)
    assert lake_file.staging_key.endswith("/v2")
    assert [(entry["datasets"], entry["warehouse_removed"]) for entry in lake_file.replays] == [
        (
            {"statement_lines": {"added": 0, "changed": 1, "removed": 1}},
            {"warehouse.StatementLine": 1},
        )
    ]
    assert WarehouseLoad.objects.count() == loads + 1
    # the restated line reached the warehouse and the removed line (0.69) left it
    assert sorted(StatementLine.objects.values_list("earnings_usd", flat=True)) == [
        Decimal("-0.15"),
        Decimal("0.35"),
        Decimal("1.77"),
        Decimal("3.00"),
    ]

    # when replayed a second time with the same parser
    version = CuratedDataset.objects.get(name="statement_lines").version
    second = _replay("--source", "distrokid")

    # then nothing changes at all
    assert second.splitlines()[0] == f"file {outcome.lake_file_id}: unchanged"
    assert CuratedDataset.objects.get(name="statement_lines").version == version
    assert WarehouseLoad.objects.count() == loads + 1
    assert len(LakeFile.objects.get(pk=outcome.lake_file_id).replays) == 1


def test_replay_brings_a_quarantined_file_in_once_the_parser_accepts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a statement the current parser refuses (here: a parser that always refuses)
    def refuse(self: DistroKidConnector, payload: Payload) -> ParsedFile:
        from apps.sources.connectors.base import FileRejected

        raise FileRejected("header not recognised")

    monkeypatch.setattr(DistroKidConnector, "parse", refuse)
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv", source_id="distrokid")
    assert outcome.result == "rejected"

    # when the parser is fixed and the file replayed
    monkeypatch.setattr(DistroKidConnector, "parse", ORIGINAL_PARSE)
    output = _replay("--file", str(outcome.lake_file_id))

    # then its 5 lines are curated and loaded
    assert output.splitlines()[0] == (
        f"file {outcome.lake_file_id}: changed statement_lines: +5 ~0 -0"
    )
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.status, lake_file.error, lake_file.rows_out) == (FileStatus.LOADED, "", 5)
    assert StatementLine.objects.count() == 5


def test_replay_of_an_unknown_file_id_is_an_error() -> None:
    with pytest.raises(CommandError, match="no lake file with id 999"):
        _replay("--file", "999")


def test_replay_under_a_newer_parser_with_the_same_rows_records_the_version_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a statement loaded under parser v1
    outcome = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    version = CuratedDataset.objects.get(name="statement_lines").version
    loads = WarehouseLoad.objects.count()

    # when parser v2, which reads the file identically, replays it
    monkeypatch.setattr(DistroKidConnector, "parser_version", "2")
    output = _replay("--source", "distrokid")

    # then the file is at v2 and still loaded, but curated and the warehouse are untouched
    assert output.splitlines()[0] == f"file {outcome.lake_file_id}: unchanged parser v1 -> v2"
    lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
    assert (lake_file.parser_version, lake_file.status, lake_file.zone) == (
        "2",
        FileStatus.LOADED,
        Zone.CURATED,
    )
    assert CuratedDataset.objects.get(name="statement_lines").version == version
    assert WarehouseLoad.objects.count() == loads


def _warehouse_statements() -> tuple[int, Decimal]:
    lines = StatementLine.objects.all()
    return lines.count(), sum((line.earnings_usd for line in lines), Decimal(0))


def test_replay_retraction_matches_a_rebuild_and_a_second_replay_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two statements: the small one (5 lines, 5.54 USD) and one more loaded beside it
    small = ingest_path(path=FIXTURES / "dk_current_small.tsv")
    ingest_path(path=FIXTURES / "dk_legacy_small.tsv")
    before_count, before_total = _warehouse_statements()

    # when parser v2 restates line 2 (+0.12) and stops yielding line 6 (0.69) of the small one
    monkeypatch.setattr(DistroKidConnector, "parser_version", "2")
    monkeypatch.setattr(DistroKidConnector, "parse", _parser_v2)
    output = _replay("--file", str(small.lake_file_id))

    # then exactly one warehouse line left, and the other statement's lines are untouched
    assert output.splitlines()[0].endswith("statement_lines: +0 ~1 -1 warehouse: -1")
    assert _warehouse_statements() == (
        before_count - 1,
        before_total + Decimal("0.12") - Decimal("0.69"),
    )
    after = _warehouse_statements()

    # when replayed again, then rebuilt from curated
    again = _replay("--file", str(small.lake_file_id))
    call_command("rebuild_warehouse", stdout=StringIO())

    # then neither brings the line back nor changes any number
    assert again.splitlines()[0] == f"file {small.lake_file_id}: unchanged"
    assert _warehouse_statements() == after


def _toolost_streams(path: Path, days: dict[str, int]) -> Path:
    rows = ",".join(f'{{"date":"{day}","streams":"{count}"}}' for day, count in days.items())
    path.write_text(f'{{"streams":[{rows}],"discovery":[]}}')
    return path


def _daily_streams() -> dict[str, tuple[int, int]]:
    """ISO day -> (streams, source file) of the warehouse's daily TooLost Spotify streams."""
    return {
        row.date.isoformat(): (row.streams, row.source_file_id)
        for row in DailyStream.objects.order_by("date")
    }


def test_replay_retracts_only_the_days_the_replayed_file_still_owns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given an older export of 1-4 Feb and a newer one of 3-5 Feb (newer values win 3 and 4 Feb)
    older = ingest_path(
        path=_toolost_streams(
            tmp_path / "older.json",
            {"2025-02-01": 10, "2025-02-02": 20, "2025-02-03": 30, "2025-02-04": 40},
        ),
        source_id="toolost",
    )
    newer = ingest_path(
        path=_toolost_streams(
            tmp_path / "newer.json", {"2025-02-03": 33, "2025-02-04": 44, "2025-02-05": 55}
        ),
        source_id="toolost",
    )
    assert _daily_streams() == {
        "2025-02-01": (10, older.lake_file_id),
        "2025-02-02": (20, older.lake_file_id),
        "2025-02-03": (33, newer.lake_file_id),
        "2025-02-04": (44, newer.lake_file_id),
        "2025-02-05": (55, newer.lake_file_id),
    }

    # when a fixed parser no longer yields 2 Feb (its own day) nor 3 Feb (the newer file's day)
    original = TooLostConnector.parse

    def without_days(self: TooLostConnector, payload: Payload) -> ParsedFile:
        parsed = original(self, payload)
        table = parsed.tables["streams_daily"]
        gone = pa.array([date(2025, 2, 2), date(2025, 2, 3)], pa.date32())
        kept = table.filter(pc.invert(pc.is_in(table.column("date"), gone)))
        return dataclasses.replace(parsed, tables={**parsed.tables, "streams_daily": kept})

    monkeypatch.setattr(TooLostConnector, "parse", without_days)
    output = _replay("--file", str(older.lake_file_id))

    # then only 2 Feb leaves the warehouse; 3 Feb belongs to the newer export and stays
    assert output.splitlines()[0].endswith("warehouse: -1")
    expected = {
        "2025-02-01": (10, older.lake_file_id),
        "2025-02-03": (33, newer.lake_file_id),
        "2025-02-04": (44, newer.lake_file_id),
        "2025-02-05": (55, newer.lake_file_id),
    }
    assert _daily_streams() == expected

    # and a rebuild from curated gives the same days
    call_command("rebuild_warehouse", stdout=StringIO())
    assert _daily_streams() == expected


def _without_feb_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed TooLost parser that no longer yields 3 Feb, from any file."""
    original = TooLostConnector.parse

    def parse(self: TooLostConnector, payload: Payload) -> ParsedFile:
        parsed = original(self, payload)
        table = parsed.tables["streams_daily"]
        kept = table.filter(pc.not_equal(table.column("date"), date(2025, 2, 3)))
        return dataclasses.replace(parsed, tables={**parsed.tables, "streams_daily": kept})

    monkeypatch.setattr(TooLostConnector, "parse", parse)


def _curated_streams() -> dict[str, tuple[int, int]]:
    """ISO day -> (streams, source file) of the curated TooLost streams."""
    rows = [row for table in curated_partitions("streams_daily") for row in table.to_pylist()]
    return {row["date"].isoformat(): (row["streams"], row["source_file_id"]) for row in rows}


def test_replay_dropping_a_key_restores_the_value_an_older_file_still_yields(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given an older export (2 Feb 20, 3 Feb 30) and a newer one (3 Feb 33, 4 Feb 44)
    older = ingest_path(
        path=_toolost_streams(tmp_path / "older.json", {"2025-02-02": 20, "2025-02-03": 30}),
        source_id="toolost",
    ).lake_file_id
    newer = ingest_path(
        path=_toolost_streams(tmp_path / "newer.json", {"2025-02-03": 33, "2025-02-04": 44}),
        source_id="toolost",
    ).lake_file_id
    assert _daily_streams()["2025-02-03"] == (33, newer)

    # when a fixed parser no longer yields 3 Feb and the newer file is replayed
    _without_feb_3(monkeypatch)
    output = _replay("--file", str(newer))

    # then 3 Feb takes the older file's 30 again, in curated and in the warehouse
    assert output.splitlines()[0] == (
        f"file {newer}: changed streams_daily: +0 ~0 -1 restored from older files: 1"
    )
    expected = {"2025-02-02": (20, older), "2025-02-03": (30, older), "2025-02-04": (44, newer)}
    assert _curated_streams() == expected
    assert _daily_streams() == expected
    replay_entry = LakeFile.objects.get(pk=newer).replays[-1]
    assert (replay_entry["curated_restored"], replay_entry["warehouse_removed"]) == (
        {"streams_daily": 1},
        {},
    )
    # and a rebuild from curated agrees
    call_command("rebuild_warehouse", stdout=StringIO())
    assert _daily_streams() == expected

    # when the older file is replayed too, no file yields 3 Feb any more: it leaves everywhere
    second = _replay("--file", str(older))
    assert second.splitlines()[0] == f"file {older}: changed streams_daily: +0 ~0 -1 warehouse: -1"
    remaining = {"2025-02-02": (20, older), "2025-02-04": (44, newer)}
    assert _curated_streams() == remaining
    assert _daily_streams() == remaining
    call_command("rebuild_warehouse", stdout=StringIO())
    assert _daily_streams() == remaining
