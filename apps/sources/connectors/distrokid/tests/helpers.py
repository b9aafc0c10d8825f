"""Helpers of the DistroKid parser tests: fixture paths, line builders, a reference fingerprint."""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

CURRENT_HEADER = (
    '"Date Inserted","Reporting Date","Sale Month","Store","Artist","Title","ISRC","UPC",'
    '"Quantity","Team Percentage","Source Type","Country of Sale",'
    '"Songwriter Royalties Withheld (USD)","Earnings (USD)","Recoup (USD)"'
)
LEGACY_HEADER = "\t".join(
    [
        "Reporting Date",
        "Sale Month",
        "Store",
        "Artist",
        "Title",
        "ISRC",
        "UPC",
        "Quantity",
        "Team Percentage",
        "Song/Album",
        "Country of Sale",
        "Songwriter Royalties Withheld",
        "Earnings (USD)",
    ]
)


def quoted_line(fields: list[str]) -> str:
    """One line as the current export writes it: every field quoted, inner quotes doubled."""
    return ",".join('"' + field.replace('"', '""') + '"' for field in fields)


def current_fields(**changes: str) -> list[str]:
    """A valid current-layout line (Spotify, PIG1987 "Trough"), with some fields replaced."""
    fields = {
        "date_inserted": "2025-11-04",
        "reporting_date": "2025-11-03",
        "sale_month": "2025-09",
        "store": "Spotify",
        "artist": "PIG1987",
        "title": "Trough",
        "isrc": "QZPG82412211",
        "upc": "197368412209",
        "quantity": "44",
        "team": "100",
        "source_type": "Song",
        "country": "US",
        "withheld": "0.00000",
        "earnings": "0.105600000000",
        "recoup": "",
    }
    unknown = set(changes) - set(fields)
    assert not unknown, unknown
    fields.update(changes)
    return list(fields.values())


def reference_fingerprint(
    *,
    reporting_date: str,
    sale_month: str,
    store: str,
    artist: str,
    title: str,
    isrc: str,
    upc: str,
    country: str,
    quantity: str,
    earnings: str,
    team_percentage: str,
    source_type: str,
) -> str:
    """SPEC 3.5's recipe written plainly, one line at a time, to check the vectorised one."""
    amount = Decimal(earnings).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_EVEN)
    if amount == 0:
        amount = abs(amount)  # no "-0.00000000"
    fields = [
        reporting_date,
        sale_month,
        store.strip().casefold(),
        artist.strip(),
        title.strip(),
        isrc.strip(),
        upc.strip(),
        country.strip(),
        str(int(quantity)),
        f"{amount:.8f}",
        team_percentage.strip(),
        source_type.strip().casefold(),
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
