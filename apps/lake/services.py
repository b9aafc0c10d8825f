"""Lake services: register a file in landing, promote it to raw, parse it into staging, merge it
into curated. Each step is a conditional state change, so a redelivered task resumes or stops."""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path, PurePath
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.health.broadcast import broadcast_on_commit
from apps.health.errors import BedrotError, InvalidInputError
from apps.lake.curated import MergeResult, curated_merge
from apps.lake.drift import (
    drift_report,
    drift_summary,
    header_columns,
    header_fingerprint,
    populated_columns,
)
from apps.lake.groups import lake_files_group
from apps.lake.models import FileOrigin, FileStatus, LakeFile, RejectedRow, Zone
from apps.lake.parquet import parquet_bytes
from apps.lake.storage import lake_storage
from apps.sources.connectors.base import SNIFF_HEAD_BYTES, FileRejected, ParsedFile, Payload
from apps.sources.connectors.filetype import extension_mismatch
from apps.sources.connectors.registry import CONNECTORS, connector_for, detect_source

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024
# A worker holds a file this long; a killed worker's claim expires and the file is taken again.
FILE_CLAIM_S = 900
MAX_NAME_CHARS = 255
UNRECOGNISED = "_unrecognised"
POSSIBLY_CACHED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Registration:
    lake_file: LakeFile
    is_duplicate: bool


def _safe_original_name(name: str) -> str:
    """Keep the arrival name as metadata only: no directories, no control characters."""
    cleaned = "".join(ch for ch in PurePath(name.replace("\\", "/")).name if ch.isprintable())
    return (cleaned or "upload")[:MAX_NAME_CHARS]


def _extension(name: str) -> str:
    suffix = PurePath(name).suffix.lower().lstrip(".")
    return suffix if suffix.isalnum() and len(suffix) <= 8 else "bin"


def _spool(stream: IO[bytes], max_bytes: int) -> tuple[Path, str, int]:
    """Copy an incoming stream to a temp file while hashing it; refuse it past the size limit."""
    work_dir = Path(settings.LAKE_WORK_DIR)
    work_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=work_dir, prefix="incoming-", delete=False) as handle:
        while chunk := stream.read(COPY_CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                break
            digest.update(chunk)
            handle.write(chunk)
    if size > max_bytes:
        Path(handle.name).unlink(missing_ok=True)
        raise InvalidInputError(f"file is larger than the {max_bytes} byte limit")
    return Path(handle.name), digest.hexdigest(), size


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SNIFF_HEAD_BYTES)


def _landing_key(source: str, account: str, kind: str, ext: str) -> str:
    now = timezone.now()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return (
        f"landing/{source}/{account or '_'}/{now:%Y%m%d}/"
        f"{kind or 'upload'}__{stamp}__{secrets.token_hex(4)}.{ext}"
    )


def _raw_key(source: str, sha256: str, ext: str) -> str:
    return f"raw/{source}/{sha256[:2]}/{sha256}.{ext}"


def _detect(head: bytes, name: str, source_id: str | None) -> tuple[str, str, str]:
    """(source, kind, error) for a file: forced by --source, else recognised from content."""
    if source_id:
        connector = connector_for(source_id)
        return source_id, connector.sniff(head, name) or "", ""
    matches = detect_source(head, name)
    if len(matches) == 1:
        return matches[0][0], matches[0][1], ""
    if not head.removeprefix(codecs.BOM_UTF8).strip():
        return UNRECOGNISED, "", "file is empty"  # nothing to recognise, nothing to re-run
    # A mislabelled file (a PNG named .csv) is refused for what it is, not as unrecognised.
    mismatch = extension_mismatch(head, name)
    return UNRECOGNISED, "", mismatch or "source not recognised; pass --source"


def _dedupe_identity(source: str, kind: str, name: str, account: str) -> str:
    """The connector's identity for a file whose bytes do not name what it is about."""
    if source not in CONNECTORS:
        return ""
    identity = connector_for(source).dedupe_identity(kind, name, account)
    return identity[: LakeFile._meta.get_field("dedupe_identity").max_length]


def _same_file(earlier: LakeFile, *, source: str, kind: str, identity: str, account: str) -> bool:
    """A quarantined row is this file when it has this identity once read as this upload reads
    it (with the --source or account now given): the bytes are the same, and a requeue takes
    them on."""
    return identity == _dedupe_identity(
        source, kind, earlier.original_name, account or earlier.account
    )


def _earlier_file(
    sha256: str, *, source: str, kind: str, identity: str, account: str
) -> LakeFile | None:
    candidates = LakeFile.objects.exclude(status=FileStatus.DUPLICATE).filter(sha256=sha256)
    exact = candidates.filter(dedupe_identity=identity).first()
    if exact is not None:
        return exact
    quarantined = candidates.filter(status=FileStatus.QUARANTINED).order_by("id")
    return next(
        (
            earlier
            for earlier in quarantined
            if _same_file(earlier, source=source, kind=kind, identity=identity, account=account)
        ),
        None,
    )


def lake_file_register(
    *,
    stream: IO[bytes],
    original_name: str,
    source_id: str | None = None,
    account: str = "",
    origin: str = FileOrigin.UPLOAD,
) -> Registration:
    """Land a file: dedupe it, detect its source, write it to landing, record lineage.
    `origin` says how it came (API extractors pass `api`: their data beats exports).

    The dedupe key is the sha256 plus the connector's identity, which is empty for every kind
    but one whose bytes do not name their subject (an S4A song timeline): sniffing only reads,
    so doing it before the duplicate check changes nothing for a duplicate."""
    name = _safe_original_name(original_name)
    temp_path, sha256, size = _spool(stream, settings.UPLOAD_MAX_BYTES)
    try:
        source, kind, error = _detect(_read_head(temp_path), name, source_id)
        identity = _dedupe_identity(source, kind, name, account)
        earlier = _earlier_file(
            sha256, source=source, kind=kind, identity=identity, account=account
        )
        if earlier is not None and earlier.status != FileStatus.QUARANTINED:
            _flag_possibly_cached(earlier)
            return Registration(earlier, is_duplicate=True)
        if earlier is not None:
            return Registration(
                _requeue_quarantined(earlier, source, kind, account, error, identity), False
            )
        key = _landing_key(source, account, kind, _extension(name))
        with temp_path.open("rb") as handle:
            lake_storage().save(key, File(handle))
    finally:
        temp_path.unlink(missing_ok=True)
    try:
        # The row commits after the write, so a row never points at a missing landing file.
        lake_file = LakeFile.objects.create(
            source=source,
            account=account,
            kind=kind,
            original_name=name,
            landing_key=key,
            sha256=sha256,
            dedupe_identity=identity,
            size_bytes=size,
            origin=origin,
            error_code="unrecognised" if error else "",
            error=error,
        )
    except IntegrityError:
        # Another upload of the same file won the race: this one is the duplicate.
        lake_storage().delete(key)
        return Registration(
            LakeFile.objects.exclude(status=FileStatus.DUPLICATE).get(
                sha256=sha256, dedupe_identity=identity
            ),
            True,
        )
    logger.info("lake_file_registered file_id=%s source=%s size=%s", lake_file.pk, source, size)
    return Registration(lake_file, is_duplicate=False)


def _flag_possibly_cached(earlier: LakeFile) -> None:
    """SPEC 2.2: a capture of a `possibly_cached_kinds` kind (TooLost analytics) identical to
    the previous one but more than a day newer means the site may be answering from a cache. The
    bytes are still a duplicate (no new row); the newest capture of its kind records when that
    was seen, for the health page."""
    connector = CONNECTORS.get(earlier.source)
    if connector is None or earlier.kind not in connector.possibly_cached_kinds:
        return
    now = timezone.now()
    if now - earlier.created_at <= POSSIBLY_CACHED_AFTER:
        return
    newer = LakeFile.objects.filter(
        source=earlier.source, kind=earlier.kind, account=earlier.account, pk__gt=earlier.pk
    ).exclude(status=FileStatus.DUPLICATE)
    if newer.exists():
        return  # identical to an older capture, not to the previous one
    LakeFile.objects.filter(pk=earlier.pk).update(possibly_cached_at=now)
    earlier.possibly_cached_at = now
    logger.warning("lake_file_possibly_cached file_id=%s kind=%s", earlier.pk, earlier.kind)


def _requeue_quarantined(
    lake_file: LakeFile, source: str, kind: str, account: str, error: str, identity: str
) -> LakeFile:
    """A quarantined file sent again (e.g. with --source) is reprocessed from its raw copy."""
    LakeFile.objects.filter(pk=lake_file.pk, status=FileStatus.QUARANTINED).update(
        source=source,
        kind=kind,
        account=account or lake_file.account,
        dedupe_identity=identity,
        status=FileStatus.RECEIVED,
        zone=Zone.RAW if lake_file.raw_key else Zone.LANDING,
        error_code="unrecognised" if error else "",
        error=error,
        rows_in=None,
        rows_out=None,
        rows_rejected=None,
    )
    RejectedRow.objects.filter(lake_file=lake_file).delete()
    lake_file.refresh_from_db()
    return lake_file


@contextmanager
def lake_file_claim(file_id: int) -> Iterator[bool]:
    """Claim a file for processing with a lease; yields False when another worker holds it."""
    now = timezone.now()
    claimed = LakeFile.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=file_id
    ).update(claimed_until=now + timedelta(seconds=FILE_CLAIM_S))
    try:
        yield bool(claimed)
    finally:
        if claimed:
            LakeFile.objects.filter(pk=file_id).update(claimed_until=None)


def _record_timing(lake_file: LakeFile, step: str, started: float) -> dict[str, float]:
    timings = dict(lake_file.timings)
    timings[step] = round(time.monotonic() - started, 3)
    return timings


def lake_file_quarantine(*, lake_file: LakeFile, code: str, reason: str) -> None:
    """Keep the file (raw copy) but stop it here, with one clear reason. An earlier dismissal
    is cleared: staff reviewed an earlier failure, not this one (retention deletes only what
    staff dismissed)."""
    LakeFile.objects.filter(pk=lake_file.pk).update(
        zone=Zone.QUARANTINE,
        status=FileStatus.QUARANTINED,
        error_code=code,
        error=reason[:4000],
        dismissed_at=None,
        dismissed_by=None,
        dismissal_note="",
    )
    lake_file.refresh_from_db()
    logger.warning("lake_file_quarantined file_id=%s code=%s", lake_file.pk, code)
    lake_file_announce(lake_file=lake_file)


def lake_file_promote(*, lake_file: LakeFile) -> None:
    """Copy landing -> raw under a content-addressed key (write-once; a retry writes the same
    key)."""
    raw_key = _raw_key(lake_file.source, lake_file.sha256, _extension(lake_file.original_name))
    storage = lake_storage()
    started = time.monotonic()
    if not storage.exists(raw_key):
        with storage.open(lake_file.landing_key, "rb") as handle:
            storage.save(raw_key, File(handle))
    LakeFile.objects.filter(pk=lake_file.pk, zone=Zone.LANDING).update(
        zone=Zone.RAW, raw_key=raw_key, timings=_record_timing(lake_file, "promote_s", started)
    )
    lake_file.refresh_from_db()


@contextmanager
def _local_raw_copy(lake_file: LakeFile) -> Iterator[Path]:
    """Parsers read local files: the raw object itself on disk, or a temp copy from S3."""
    storage = lake_storage()
    try:
        yield Path(storage.path(lake_file.raw_key))
        return
    except NotImplementedError:
        pass
    work_dir = Path(settings.LAKE_WORK_DIR)
    work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=work_dir, prefix="raw-") as temp,
        storage.open(lake_file.raw_key, "rb") as source,
    ):
        shutil.copyfileobj(source, temp, COPY_CHUNK_BYTES)
        temp.flush()
        yield Path(temp.name)


def lake_file_parse(lake_file: LakeFile) -> tuple[ParsedFile, list[str]]:
    """Run the raw copy through the source's current parser; also read its header line for
    drift. Raises FileRejected for a file that cannot be parsed at all."""
    connector = connector_for(lake_file.source)
    with _local_raw_copy(lake_file) as path:
        payload = Payload(
            path=path,
            original_name=lake_file.original_name,
            account=lake_file.account,
            kind=lake_file.kind,
            captured_at=lake_file.created_at,
        )
        try:
            parsed = connector.parse(payload)
        except FileRejected:
            raise
        except BedrotError as error:
            raise FileRejected(error.message) from error
        except Exception as error:  # a parser bug must quarantine the file, not crash the run
            logger.exception("lake_parser_crashed file_id=%s", lake_file.pk)
            raise FileRejected(f"could not parse the file ({type(error).__name__})") from error
        header = header_columns(path, encoding=parsed.encoding, delimiter=parsed.delimiter)
    return parsed, header


def _period(parsed: ParsedFile) -> tuple[date | None, date | None]:
    """The dates a file covers, from its first dated table (reporting date for statements)."""
    for table in parsed.tables.values():
        for column in ("reporting_date", "date"):
            if column in table.column_names and table.num_rows:
                bounds = pc.min_max(table.column(column)).as_py()
                return bounds["min"], bounds["max"]
    return None, None


def lake_file_stage(*, lake_file: LakeFile) -> ParsedFile | None:
    """Parse raw into typed staging rows; rejected rows are kept with row, column and reason."""
    started = time.monotonic()
    try:
        parsed, header = lake_file_parse(lake_file)
    except FileRejected as rejection:
        lake_file_quarantine(lake_file=lake_file, code=rejection.code, reason=rejection.message)
        return None
    lake_file_stage_parsed(
        lake_file=lake_file, parsed=parsed, header=header, started=started, from_zone=Zone.RAW
    )
    return parsed


def staging_key_for(lake_file: LakeFile, parser_version: str) -> str:
    """Keyed by the bytes, plus the identity when the name gives the rows their subject: two
    songs sharing a timeline's bytes stage different rows."""
    folder = lake_file.sha256
    if lake_file.dedupe_identity:
        folder += "-" + hashlib.sha256(lake_file.dedupe_identity.encode()).hexdigest()[:16]
    return f"staging/{lake_file.source}/{folder}/v{parser_version}"


def _staged_names(staging_key: str) -> list[str]:
    try:
        _, names = lake_storage().listdir(staging_key)
    except FileNotFoundError:
        return []
    return [name for name in names if name.endswith(".parquet")]


def _write_staging(staging_key: str, tables: dict[str, pa.Table]) -> None:
    # A re-parse under the same version that no longer yields a dataset must not leave it behind.
    for name in _staged_names(staging_key):
        if name.removesuffix(".parquet") not in tables:
            lake_storage().delete(f"{staging_key}/{name}")
    for dataset_name, table in tables.items():
        body = parquet_bytes(table)
        lake_storage().save(f"{staging_key}/{dataset_name}.parquet", ContentFile(body))


def _drift(lake_file: LakeFile, parsed: ParsedFile, header: list[str]) -> tuple[dict, list[str]]:
    """The drift record and the warnings list with the drift summary added when it drifted."""
    report = drift_report(
        lake_file=lake_file,
        columns=header,
        populated=populated_columns(parsed.tables),
        unknown_columns=parsed.unknown_columns,
    )
    summary = drift_summary(report)
    warnings = list(parsed.warnings)
    if summary:
        warnings.append(summary)
        logger.warning("lake_schema_drift file_id=%s source=%s", lake_file.pk, lake_file.source)
    return report, warnings


def lake_file_stage_parsed(
    *, lake_file: LakeFile, parsed: ParsedFile, header: list[str], started: float, from_zone: str
) -> bool:
    """Write a parse result to staging and the lineage row (only if the row is still in
    `from_zone`, so a redelivered task never applies a step twice). True when it applied."""
    if parsed.rows_in != parsed.rows_out + len(parsed.rejections):
        raise AssertionError("row conservation broken: rows_in != rows_out + rows_rejected")
    connector = connector_for(lake_file.source)
    staging_key = staging_key_for(lake_file, connector.parser_version)
    _write_staging(staging_key, parsed.tables)
    period_start, period_end = _period(parsed)
    drift, warnings = _drift(lake_file, parsed, header)
    with transaction.atomic():
        updated = LakeFile.objects.filter(pk=lake_file.pk, zone=from_zone).update(
            zone=Zone.STAGING,
            status=FileStatus.STAGED,
            staging_key=staging_key,
            kind=parsed.kind,
            parser_name=connector.source_id,
            parser_version=connector.parser_version,
            schema_id=parsed.schema_id,
            encoding=parsed.encoding,
            delimiter=parsed.delimiter,
            line_ending=parsed.line_ending,
            rows_in=parsed.rows_in,
            rows_out=parsed.rows_out,
            rows_rejected=len(parsed.rejections),
            warnings=warnings,
            header_fingerprint=header_fingerprint(header),
            schema_drift=drift,
            error_code="",
            error="",
            period_start=period_start,
            period_end=period_end,
            account=lake_file.account or parsed.account,
            captured_at=parsed.captured_at,
            timings=_record_timing(lake_file, "stage_s", started),
        )
        if updated:
            _replace_rejections(lake_file, parsed)
    lake_file.refresh_from_db()
    return bool(updated)


def _replace_rejections(lake_file: LakeFile, parsed: ParsedFile) -> None:
    RejectedRow.objects.filter(lake_file=lake_file).delete()
    RejectedRow.objects.bulk_create(
        [
            RejectedRow(
                lake_file=lake_file,
                row_number=error.row,
                column=error.column[:128],
                code=error.code,
                message=error.message,
                raw_line=error.raw_line[:2000],
            )
            for error in parsed.rejections
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def staged_tables(lake_file: LakeFile) -> dict[str, pa.Table]:
    """Read a staged file's typed tables back (used when a redelivered task resumes)."""
    if not lake_file.staging_key:
        return {}
    tables = {}
    for name in _staged_names(lake_file.staging_key):
        with lake_storage().open(f"{lake_file.staging_key}/{name}", "rb") as handle:
            tables[name.removesuffix(".parquet")] = pq.read_table(io.BytesIO(handle.read()))
    return tables


def lake_file_curate(*, lake_file: LakeFile, tables: dict[str, pa.Table]) -> list[MergeResult]:
    """Merge a staged file's rows into its curated datasets, then mark it curated."""
    started = time.monotonic()
    results = [
        curated_merge(
            dataset_name=name,
            table=table,
            source_file_id=lake_file.pk,
            captured_at=lake_file.captured_at or lake_file.created_at,
            origin=lake_file.origin,
        )
        for name, table in tables.items()
    ]
    LakeFile.objects.filter(pk=lake_file.pk, zone=Zone.STAGING).update(
        zone=Zone.CURATED,
        status=FileStatus.CURATED,
        timings=_record_timing(lake_file, "curate_s", started),
    )
    lake_file.refresh_from_db()
    return results


def lake_file_mark_loaded(*, lake_file: LakeFile, load_seconds: float) -> None:
    timings = dict(lake_file.timings)
    timings["load_s"] = round(load_seconds, 3)
    LakeFile.objects.filter(pk=lake_file.pk, status=FileStatus.CURATED).update(
        status=FileStatus.LOADED, timings=timings
    )
    lake_file.refresh_from_db()
    lake_file_announce(lake_file=lake_file)


def lake_file_projection(lake_file: LakeFile) -> dict[str, object]:
    """The public view of a lineage row (CONTRACT /api/lake/files); never a server path."""
    return {
        "id": lake_file.pk,
        "source": lake_file.source,
        "account": lake_file.account,
        "zone": lake_file.zone,
        "name": lake_file.original_name,
        "sha256": lake_file.sha256,
        "rows_in": lake_file.rows_in,
        "rows_out": lake_file.rows_out,
        "rows_rejected": lake_file.rows_rejected,
        "status": lake_file.status,
        "error": lake_file.error,
        "created_at": lake_file.created_at.isoformat(),
    }


def lake_file_announce(*, lake_file: LakeFile) -> None:
    """Tell open pages about the file's new state once the change has committed."""
    message = {"type": "lake_file.updated", "file": lake_file_projection(lake_file)}
    broadcast_on_commit(lake_files_group(), message)


# Longest note kept with a dismissal (the model field's length).
DISMISSAL_NOTE_CHARS = 500


def lake_file_dismiss(*, file_id: int, user: AbstractBaseUser | None, note: str) -> LakeFile:
    """Set a quarantined file aside after review (SPEC 3.3). Nothing is deleted: the raw copy
    and the reason stay, and a replay after a parser fix can still bring the file in."""
    updated = LakeFile.objects.filter(
        pk=file_id, status=FileStatus.QUARANTINED, dismissed_at__isnull=True
    ).update(
        dismissed_at=timezone.now(),
        dismissed_by=user,
        dismissal_note=note.strip()[:DISMISSAL_NOTE_CHARS],
    )
    lake_file = LakeFile.objects.get(pk=file_id)
    if not updated:
        if lake_file.status != FileStatus.QUARANTINED:
            raise InvalidInputError(
                f"file {file_id} is {lake_file.status}; only a quarantined file can be dismissed"
            )
        return lake_file  # already dismissed: dismissing twice keeps the first review
    logger.info("lake_file_dismissed file_id=%s", file_id)
    lake_file_announce(lake_file=lake_file)
    return lake_file
