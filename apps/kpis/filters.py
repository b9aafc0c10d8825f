"""The KPI filters shared by the API and the dashboard: parse, validate, normalise.

One serializer validates `start`, `end`, `artist`, `platform`, `distributor` and `account` for
both the API (400 with field errors) and the pages (errors shown in the filter bar), so both read
a filter the same way. Names resolve to ids here, so the selectors and the cache keys see one
normal form. Revenue reads the dates as sale months; daily series read them as dates (SPEC 5.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rest_framework import serializers

from apps.warehouse.models import (
    Account,
    Artist,
    ArtistAlias,
    AudienceDaily,
    Distributor,
    LinkAnalyticsDaily,
    Platform,
    SocialDaily,
    normalise_name,
)

UNASSIGNED_ARTIST = "(unassigned)"
FILTER_FIELDS = ("start", "end", "artist", "platform", "distributor")


@dataclass(frozen=True)
class RevenueFilters:
    """Validated KPI filters: sale-month bounds (first days of months) for revenue, the exact
    dates for daily series, resolved ids, and an account slug."""

    start_month: date | None = None
    end_month: date | None = None
    artist_id: int | None = None
    is_unassigned: bool = False
    platform_id: int | None = None
    distributor_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    account: str | None = None

    def cache_key(self) -> str:
        """A stable text form of the filters, part of every KPI cache key."""
        return ":".join(
            [
                self.start_month.isoformat() if self.start_month else "",
                self.end_month.isoformat() if self.end_month else "",
                "unassigned" if self.is_unassigned else str(self.artist_id or ""),
                str(self.platform_id or ""),
                str(self.distributor_id or ""),
                self.start_date.isoformat() if self.start_date else "",
                self.end_date.isoformat() if self.end_date else "",
                self.account or "",
            ]
        )


KpiFilters = RevenueFilters
"""The same filters under the name the non-revenue selectors use."""


def month_start(value: date) -> date:
    """First day of the month of `value`."""
    return value.replace(day=1)


def _present_filters(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The filter parameters that carry a value, trimmed; other query parameters are ignored."""
    present: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            present[name] = value.strip()
    return present


class RevenueFilterSerializer(serializers.Serializer[Any]):
    """Query-string filters; blank values mean "not filtered" (what an empty form field sends)."""

    start = serializers.DateField(required=False, help_text="ISO date; its sale month is included")
    end = serializers.DateField(required=False, help_text="ISO date; its sale month is included")
    artist = serializers.CharField(
        required=False, help_text=f"Canonical artist name (any case) or {UNASSIGNED_ARTIST}"
    )
    platform = serializers.CharField(required=False, help_text="Platform name (any case)")
    distributor = serializers.CharField(required=False, help_text="Distributor code")
    account = serializers.CharField(
        required=False, help_text="Account slug of a persona, channel or profile (`zonea0`)"
    )

    class Meta:
        ref_name = "RevenueFilter"

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            data = _present_filters(data, self.fields)
        validated: dict[str, Any] = super().to_internal_value(data)
        return validated

    def validate_artist(self, value: str) -> Artist | str:
        if value.casefold() == UNASSIGNED_ARTIST:
            return UNASSIGNED_ARTIST
        artist = Artist.objects.filter(name__iexact=value).first()
        if artist is None:
            alias = (
                ArtistAlias.objects.select_related("artist")
                .filter(alias=normalise_name(value), source="")
                .first()
            )
            artist = alias.artist if alias is not None else None
        if artist is None:
            raise serializers.ValidationError(f"Unknown artist {value!r}.")
        return artist

    def validate_platform(self, value: str) -> Platform:
        platform = Platform.objects.filter(name__iexact=value).first()
        if platform is None:
            raise serializers.ValidationError(f"Unknown platform {value!r}.")
        return platform

    def validate_distributor(self, value: str) -> Distributor:
        distributor = Distributor.objects.filter(code__iexact=value).first()
        if distributor is None:
            raise serializers.ValidationError(f"Unknown distributor {value!r}.")
        return distributor

    def validate_account(self, value: str) -> str:
        """The slug as stored: an Account row first, then any audience fact carrying it."""
        for source in (
            Account.objects.filter(slug__iexact=value).values_list("slug", flat=True),
            SocialDaily.objects.filter(account__iexact=value).values_list("account", flat=True),
            AudienceDaily.objects.filter(account__iexact=value).values_list("account", flat=True),
            LinkAnalyticsDaily.objects.filter(account__iexact=value).values_list(
                "account", flat=True
            ),
        ):
            slug = source.first()
            if slug is not None:
                return slug
        raise serializers.ValidationError(f"Unknown account {value!r}.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"end": ["end must be on or after start."]})
        return attrs

    def filters(self) -> RevenueFilters:
        """The validated data as `RevenueFilters`; call after `is_valid()` returned True."""
        data = self.validated_data
        artist = data.get("artist")
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        return RevenueFilters(
            start_month=month_start(start) if start else None,
            end_month=month_start(end) if end else None,
            artist_id=artist.pk if isinstance(artist, Artist) else None,
            is_unassigned=artist == UNASSIGNED_ARTIST,
            platform_id=data["platform"].pk if "platform" in data else None,
            distributor_id=data["distributor"].pk if "distributor" in data else None,
            start_date=start,
            end_date=end,
            account=data.get("account"),
        )
