"""Arbitrary bytes and Mailchimp-shaped documents end in FileRejected or a valid ParsedFile,
never in another exception (R14, R15)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.connectors.base import FileRejected, ParsedFile, Payload
from apps.sources.connectors.mailchimp.connector import MailchimpConnector

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2025-03-07T17:00:00+00:00", "2025-03", "2025-13", "42.5", "-1"]),
)
COUNTS = st.dictionaries(
    st.sampled_from(
        [
            "unique_opens",
            "open_rate",
            "unique_clicks",
            "click_rate",
            "hard_bounces",
            "member_count",
            "unsubscribe_count",
            "cleaned_count",
            "soft_bounces",
        ]
    ),
    SCALARS,
)
ITEM = st.one_of(
    SCALARS,
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "list_id",
                "month",
                "send_time",
                "emails_sent",
                "existing",
                "optins",
                "campaign_title",
                "opens",
                "clicks",
                "bounces",
                "stats",
            ]
        ),
        st.one_of(SCALARS, COUNTS),
    ),
)
DOCUMENT = st.one_of(
    st.fixed_dictionaries({"reports": st.lists(ITEM, max_size=4)}),
    st.fixed_dictionaries({"history": st.lists(ITEM, max_size=4)}, optional={"list_id": SCALARS}),
    st.fixed_dictionaries({"id": SCALARS, "stats": COUNTS}),
    st.lists(ITEM, max_size=3),
)
CONTENT = st.one_of(
    st.binary(max_size=300),
    DOCUMENT.map(lambda document: json.dumps(document).encode("utf-8")),
    DOCUMENT.map(lambda document: json.dumps(document).encode("utf-8")[:-4]),
    st.integers(min_value=1, max_value=20000).map(lambda depth: b"[" * depth + b"]" * depth),
)


@settings(max_examples=200, deadline=None)
@given(content=CONTENT)
def test_mailchimp_parse_never_raises_anything_but_file_rejected(content: bytes) -> None:
    connector = MailchimpConnector()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "response.json"
        path.write_bytes(content)
        payload = Payload(
            path=path,
            original_name="response.json",
            kind=connector.sniff(content, "response.json") or "",
            captured_at=datetime(2025, 3, 10, tzinfo=UTC),
        )
        try:
            parsed = connector.parse(payload)
        except FileRejected:
            return
    assert isinstance(parsed, ParsedFile)
    assert parsed.rows_in == parsed.rows_out + len(parsed.rejections)
    assert all(table.num_rows <= parsed.rows_out for table in parsed.tables.values())


@settings(max_examples=200, deadline=None)
@given(head=CONTENT)
def test_mailchimp_sniff_never_raises(head: bytes) -> None:
    assert MailchimpConnector().sniff(head, "x") in {None, "api_reports", "api_list", "api_growth"}
