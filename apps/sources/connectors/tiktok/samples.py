"""Deterministic TikTok files for tests and the demo: legacy zips and CSVs, Studio exports,
follower snapshots, and the hostile archives R13 must refuse.

Every figure is invented; the layouts, encodings and quirks are the vendor's (SPEC 2.4): year-
less days, Portuguese labels, `undefined`, the BOM and `YYYY/MM/DD` of Studio, `Website clicks `
with its trailing space, `NaN` in `Reached audience`.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Sequence
from datetime import date, timedelta

UTF8_BOM = b"\xef\xbb\xbf"

ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
PORTUGUESE_MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
LEGACY_OVERVIEW_HEADER = "Date,Video Views,Profile Views,Likes,Comments,Shares"
PORTUGUESE_OVERVIEW_HEADER = (
    "Data,Visualizações de vídeo,Visualizações do perfil,Curtidas,Comentários,Compartilhamentos"
)
FOLLOWER_HISTORY_HEADER = "Date,Followers,Difference in followers from previous day"
STUDIO_OVERVIEW_HEADER = (
    "Date,Video views,Reached audience,Profile views,Likes,Shares,Comments,Website clicks ,"
    "Phone number clicks,Lead submissions,App download link clicks,Net growth,New followers,"
    "Lost followers"
)
STUDIO_CONTENT_HEADER = (
    "Video title,Post time,Video views,Likes,Comments,Shares,Add to Favorites,Video link"
)

Cells = Sequence[object]


def legacy_day(day: date, *, language: str = "en") -> str:
    """A legacy export's year-less day: `December 30` or `30 de dezembro`."""
    if language == "pt":
        return f"{day.day} de {PORTUGUESE_MONTHS[day.month - 1]}"
    return f"{ENGLISH_MONTHS[day.month - 1]} {day.day}"


def csv_text(header: str, rows: Sequence[Cells], *, ending: str = "\n") -> str:
    lines = [header, *(",".join(_cell(value) for value in row) for row in rows)]
    return ending.join(lines) + ending


def legacy_overview(
    first_day: date, counts: Sequence[Cells], *, language: str = "en", header: str = ""
) -> bytes:
    """Overview.csv for consecutive days from `first_day`, one tuple of five counts per day."""
    rows = [
        (legacy_day(first_day + timedelta(days=index), language=language), *values)
        for index, values in enumerate(counts)
    ]
    default = PORTUGUESE_OVERVIEW_HEADER if language == "pt" else LEGACY_OVERVIEW_HEADER
    return csv_text(header or default, rows).encode("utf-8")


def follower_history(first_day: date, totals: Sequence[int], differences: Sequence[int]) -> bytes:
    rows = [
        (legacy_day(first_day + timedelta(days=index)), total, difference)
        for index, (total, difference) in enumerate(zip(totals, differences, strict=True))
    ]
    return csv_text(FOLLOWER_HISTORY_HEADER, rows).encode("utf-8")


def studio_csv(header: str, rows: Sequence[Cells]) -> bytes:
    """A Studio export: UTF-8 with BOM, CRLF line ends."""
    return UTF8_BOM + csv_text(header, rows, ending="\r\n").encode("utf-8")


def legacy_zip_name(capture_date: date, handle: str, epoch: int = 1767400000) -> str:
    return f"Overview_{capture_date.isoformat()}_{epoch}_{handle}.zip"


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A deflated zip holding the entries in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def follower_snapshot(
    *, count: object, handle: str, timestamp: object, artist: str = "ZONE A0"
) -> bytes:
    document = {
        "count": count,
        "source_url": f"https://www.tiktok.com/@{handle}",
        "timestamp": timestamp,
        "artist": artist,
    }
    return json.dumps(document, indent=2).encode("utf-8")


def bomb_zip(uncompressed_bytes: int = 8 * 1024 * 1024) -> bytes:
    """A zip whose Overview.csv is zeros: a few KiB on disk, megabytes once expanded."""
    return zip_bytes({"Overview.csv": b"0" * uncompressed_bytes})


def traversal_zip(name: str = "../../etc/Overview.csv") -> bytes:
    return zip_bytes({name: LEGACY_OVERVIEW_HEADER.encode()})


def many_entries_zip(count: int = 51) -> bytes:
    entries = {"Overview.csv": LEGACY_OVERVIEW_HEADER.encode()}
    entries.update({f"extra_{index}.txt": b"x" for index in range(count - 1)})
    return zip_bytes(entries)


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Overview.csv", LEGACY_OVERVIEW_HEADER.encode())
        link = zipfile.ZipInfo("FollowerHistory.csv")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def encrypted_zip() -> bytes:
    """A zip whose Overview.csv is flagged as encrypted (zipfile clears the flag when writing,
    so it is set afterwards in both the local and the central header)."""
    content = bytearray(zip_bytes({"Overview.csv": LEGACY_OVERVIEW_HEADER.encode()}))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = content.find(signature)
        content[position + flag_at] |= 0x1
    return bytes(content)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
