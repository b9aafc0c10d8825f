"""A deterministic SubmitHub export in the guessed layout (SPEC 2.10, provisional), for fixtures
and the demo. Values are invented; the layout is `aliases.py`'s best guess of a real export:
a comma CSV with a header line, US dates, statuses in words, quoted multi-line feedback, credits
and a dollar cost. It is replaced by a real sample as soon as one exists.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

HEADER = (
    "Date",
    "Artist",
    "Track",
    "Outlet",
    "Curator",
    "Outlet Type",
    "Status",
    "Feedback",
    "Listens",
    "Shares",
    "Clicks",
    "Credits",
    "Cost (USD)",
)
OUTLETS: tuple[tuple[str, str, str], ...] = (
    ("Indie Shuffle", "Jason G.", "blog"),
    ("Night Drive Synthwave", "Ava R.", "playlist"),
    ("Lo-Fi Basement", "Marcus T.", "playlist"),
    ("Obscure Sound", "Chris P.", "blog"),
    ("Deep Cuts TV", "Lena K.", "channel"),
)
TRACKS: tuple[tuple[str, str], ...] = (("ZONE A0", "NOCTURNES"), ("PIG1987", "MUD SEASON"))
FEEDBACK = {
    "Approved": 'Love the synth layers - adding it Friday.\nThanks for sending "NOCTURNES"!',
    "Declined": "Well produced, but not quite the sound of the playlist right now.",
    "Expired": "",
    "Pending": "",
}


def submissions_csv(*, first_day: date, count: int, seed: int = 0) -> bytes:
    """`count` submissions from `first_day`, one or two a day, every status represented."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    statuses = ("Approved", "Declined", "Expired", "Pending")
    for index in range(count):
        artist, track = TRACKS[index % len(TRACKS)]
        outlet, curator, outlet_type = OUTLETS[index % len(OUTLETS)]
        status = statuses[index % len(statuses)] if index < 8 else rng.choice(statuses)
        day = first_day + timedelta(days=index // 2)
        credits = 1 + rng.randrange(3)
        writer.writerow(
            [
                f"{day.month}/{day.day}/{day.year}",
                artist,
                track,
                outlet,
                curator,
                outlet_type,
                status,
                FEEDBACK[status],
                "" if status == "Pending" else str(1 + rng.randrange(3)),
                "1" if status == "Approved" else "0",
                str(rng.randrange(25)) if status == "Approved" else "0",
                str(credits),
                f"${credits * 0.8:.2f}",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def demo_submithub_files(*, today: date) -> list[tuple[str, str, bytes]]:
    """The demo's SubmitHub export as (account, arrival name, content)."""
    content = submissions_csv(first_day=today - timedelta(days=45), count=24, seed=1987)
    return [("", f"submithub_campaign_{today:%Y%m%d}.csv", content)]
