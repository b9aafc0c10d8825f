"""KPI endpoints (CONTRACT section 3, SPEC 5.5): validate filters, call one selector, serialize.

Every class is staff-only through DRF's default permission; list endpoints also export CSV
(`?format=csv`) with a generated file name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.kpis import selectors, services
from apps.kpis.answers import answer_cached
from apps.kpis.calculations import Period, money_str
from apps.kpis.filters import RevenueFilters, RevenueFilterSerializer
from apps.kpis.models import Alert
from apps.kpis.renderers import KpiCsvRenderer
from apps.kpis.selectors import (
    kpi_summary_get,
    revenue_by_artist_list,
    revenue_by_platform_list,
    revenue_delays_get,
    revenue_monthly_list,
)


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.3456"})
class MoneyField(serializers.Field):  # type: ignore[type-arg]
    """Money as an exact decimal string with at least 2 decimals (CONTRACT section 3)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Decimal) -> str:
        return money_str(value)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-01"})
class MonthField(serializers.DateField):
    """A sale month as `YYYY-MM`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", read_only=True, **kwargs)


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "decimal"}, {"type": "integer"}], "example": "500.00"}
)
class GoalAmountField(serializers.Field):  # type: ignore[type-arg]
    """A goal's target or current value: money as a decimal string, counts as integers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, value: Any) -> str | int:
        amount: Decimal = getattr(value, self.field_name)
        return money_str(amount) if value.unit == "usd" else int(amount)


# `as_of` of an answer built without its OutputSerializer, written as that serializer would.
_AS_OF = serializers.DateTimeField(allow_null=True)


def _filters(serializer_class: type[RevenueFilterSerializer], request: Request) -> RevenueFilters:
    """Validate the query string (400 with field errors when invalid) into `RevenueFilters`."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.filters()


def _today() -> Any:
    return timezone.now().date()


class KpiListApi(APIView):
    """A list endpoint: JSON, or CSV with `?format=csv` under a generated file name."""

    renderer_classes: ClassVar[list[type[BaseRenderer]]] = [JSONRenderer, KpiCsvRenderer]
    export_name = "kpis"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:
            # Errors are field errors or a detail, JSON whatever `format` asked for: a CSV of
            # messages is no export, and clients read one error shape on every endpoint.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
            return response
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "csv"
        ):
            response["Content-Disposition"] = (
                f'attachment; filename="{self._export_filename(request)}"'
            )
        return response

    def _export_filename(self, request: Request) -> str:
        parts = ["bedrot", self.export_name]
        for name in ("start", "end"):
            value = str(request.query_params.get(name, "")).strip()
            if value and all(char.isdigit() or char == "-" for char in value):
                parts.append(value)
        return "_".join(parts) + ".csv"


class KpiSummaryGetApi(APIView):
    class FilterSerializer(RevenueFilterSerializer):
        class Meta:
            ref_name = "KpiSummaryFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        total_revenue_usd = MoneyField()
        total_units = serializers.IntegerField()
        revenue_per_unit_usd = MoneyField()
        total_streams = serializers.IntegerField()
        artist_count = serializers.IntegerField()
        track_count = serializers.IntegerField()
        top_artist = serializers.CharField(allow_null=True)
        ad_spend_usd = MoneyField()
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "KpiSummary"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        summary = kpi_summary_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(summary).data)


class RevenuePlatformListApi(KpiListApi):
    export_name = "revenue_platform"

    class FilterSerializer(RevenueFilterSerializer):
        class Meta:
            ref_name = "RevenuePlatformFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        class RowSerializer(serializers.Serializer[Any]):
            platform = serializers.CharField()
            revenue_usd = MoneyField()
            units = serializers.IntegerField()
            revenue_per_unit_usd = MoneyField()
            line_count = serializers.IntegerField()

            class Meta:
                ref_name = "RevenuePlatformRow"

        results = RowSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "RevenuePlatformList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        platforms = revenue_by_platform_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(platforms).data)


class RevenueArtistListApi(KpiListApi):
    export_name = "revenue_artist"

    class FilterSerializer(RevenueFilterSerializer):
        class Meta:
            ref_name = "RevenueArtistFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        class RowSerializer(serializers.Serializer[Any]):
            artist = serializers.CharField()
            revenue_usd = MoneyField()
            units = serializers.IntegerField()
            line_count = serializers.IntegerField()
            platforms = serializers.ListField(child=serializers.CharField())
            net_revenue_usd = MoneyField(help_text="After royalty splits (SPEC 5.3.3)")

            class Meta:
                ref_name = "RevenueArtistRow"

        results = RowSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "RevenueArtistList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        artists = revenue_by_artist_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(artists).data)


class RevenueMonthlyListApi(KpiListApi):
    export_name = "revenue_monthly"

    class FilterSerializer(RevenueFilterSerializer):
        class Meta:
            ref_name = "RevenueMonthlyFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        class RowSerializer(serializers.Serializer[Any]):
            month = MonthField()
            revenue_usd = MoneyField()
            units = serializers.IntegerField()
            expected_revenue_usd = MoneyField()
            status = serializers.ChoiceField(choices=["reported", "pending", "late"])

            class Meta:
                ref_name = "RevenueMonthlyRow"

        results = RowSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "RevenueMonthlyList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        months = revenue_monthly_list(
            filters=_filters(self.FilterSerializer, request), today=_today()
        )
        return Response(self.OutputSerializer(months).data)


class RevenueDelaysGetApi(KpiListApi):
    export_name = "revenue_delays"

    class FilterSerializer(RevenueFilterSerializer):
        class Meta:
            ref_name = "RevenueDelaysFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        class BucketSerializer(serializers.Serializer[Any]):
            months = serializers.IntegerField()
            lines = serializers.IntegerField()
            share = serializers.FloatField()

            class Meta:
                ref_name = "RevenueDelayBucket"

        class PlatformSerializer(serializers.Serializer[Any]):
            platform = serializers.CharField()
            median_delay_months = serializers.FloatField(allow_null=True)

            class Meta:
                ref_name = "RevenueDelayPlatform"

        average_delay_months = serializers.FloatField(allow_null=True)
        median_delay_months = serializers.FloatField(allow_null=True)
        results = BucketSerializer(many=True)
        by_platform = PlatformSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "RevenueDelays"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        delays = revenue_delays_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(delays).data)


def _list_output(
    name: str, row_fields: dict[str, serializers.Field], **extra: serializers.Field
) -> type[serializers.Serializer[Any]]:
    """`{"results": [row...], "as_of": ...}` plus summary fields, as a named schema component."""
    row = type(
        f"{name}Row",
        (serializers.Serializer,),
        {**row_fields, "Meta": type("Meta", (), {"ref_name": f"{name}Row"})},
    )
    fields = {
        **extra,
        "results": row(many=True),
        "as_of": serializers.DateTimeField(allow_null=True),
        "Meta": type("Meta", (), {"ref_name": name}),
    }
    return type(f"{name}Output", (serializers.Serializer,), fields)


def _filter_serializer(name: str, **fields: serializers.Field) -> type[RevenueFilterSerializer]:
    return type(
        f"{name}FilterSerializer",
        (RevenueFilterSerializer,),
        {**fields, "Meta": type("Meta", (), {"ref_name": f"{name}Filter"})},
    )


class KpiRealtimeListApi(KpiListApi):
    export_name = "kpis_realtime"
    FilterSerializer = _filter_serializer("KpiRealtime")
    OutputSerializer = _list_output(
        "KpiRealtime",
        {
            "platform": serializers.CharField(),
            "date": serializers.DateField(),
            "streams": serializers.IntegerField(),
            "previous_streams": serializers.IntegerField(),
            "change": serializers.IntegerField(),
            "change_rate": serializers.FloatField(help_text="change / previous_streams, 0 when 0"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.kpi_realtime_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class RevenueTrackListApi(KpiListApi):
    export_name = "revenue_track"
    FilterSerializer = _filter_serializer("RevenueTrack")
    OutputSerializer = _list_output(
        "RevenueTrack",
        {
            "track": serializers.CharField(),
            "isrc": serializers.CharField(allow_null=True),
            "artist": serializers.CharField(),
            "revenue_usd": MoneyField(),
            "units": serializers.IntegerField(),
            "net_revenue_usd": MoneyField(help_text="After royalty splits (SPEC 5.3.3)"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.revenue_by_track_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class RevenueDistributorListApi(KpiListApi):
    export_name = "revenue_distributor"
    FilterSerializer = _filter_serializer("RevenueDistributor")
    OutputSerializer = _list_output(
        "RevenueDistributor",
        {
            "distributor": serializers.CharField(),
            "revenue_usd": MoneyField(),
            "units": serializers.IntegerField(),
            "streams": serializers.IntegerField(help_text="DailyStream total, dates in range"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.revenue_by_distributor_list(
            filters=_filters(self.FilterSerializer, request)
        )
        return Response(self.OutputSerializer(rows).data)


class RevenueTerritoryListApi(KpiListApi):
    export_name = "revenue_territory"
    FilterSerializer = _filter_serializer("RevenueTerritory")
    OutputSerializer = _list_output(
        "RevenueTerritory",
        {
            "territory": serializers.CharField(),
            "revenue_usd": MoneyField(),
            "units": serializers.IntegerField(),
            "line_count": serializers.IntegerField(),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.revenue_by_territory_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class RevenueLedgerListApi(KpiListApi):
    export_name = "revenue_ledger"
    FilterSerializer = _filter_serializer("RevenueLedger")
    OutputSerializer = _list_output(
        "RevenueLedger",
        {
            "sale_month": MonthField(),
            "distributor": serializers.CharField(),
            "status": serializers.ChoiceField(choices=["reported", "pending", "late"]),
            "report_by": serializers.DateField(),
            "lines": serializers.IntegerField(),
            "revenue_usd": MoneyField(),
            "expected_revenue_usd": MoneyField(),
            "missing_platforms": serializers.ListField(child=serializers.CharField()),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.revenue_ledger_list(
            filters=_filters(self.FilterSerializer, request), today=_today()
        )
        return Response(self.OutputSerializer(rows).data)


@dataclass(frozen=True)
class DailyStreamsAnswer:
    """The /api/streaming/daily answer: (date, platform, distributor, streams) rows and `as_of`
    as text. Five years are about 30,000 rows, so they skip the OutputSerializer's fields (they
    took most of the request) and are written here exactly as those fields would write them."""

    rows: list[tuple[date, str, str, int]]
    as_of: str | None

    def data(self) -> dict[str, Any]:
        """The answer as the OutputSerializer's data: for CSV, or JSON with an indent."""
        days = _DayText()
        return {
            "results": [
                {"date": days[day], "platform": platform, "distributor": code, "streams": int(n)}
                for day, platform, code, n in self.rows
            ],
            "as_of": self.as_of,
        }

    def compact_json(self) -> str:
        """`json.dumps(self.data())` as DRF's JSONRenderer writes it (compact, non-ASCII kept),
        from each row's pieces; a platform or distributor's JSON text is made once."""
        days, texts = _DayText(), _JsonText()
        rows = ",".join(
            f'{{"date":"{days[day]}","platform":{texts[platform]},'
            f'"distributor":{texts[code]},"streams":{int(n)}}}'
            for day, platform, code, n in self.rows
        )
        return f'{{"results":[{rows}],"as_of":{texts[self.as_of]}}}'


class _DayText(dict[date, str]):
    """ISO text per day, made once per day (a day has a row per platform and distributor)."""

    def __missing__(self, day: date) -> str:
        self[day] = day.isoformat()
        return self[day]


class _JsonText(dict[Any, str]):
    """JSON text per value, made once per value, as the non-ASCII JSONRenderer writes it."""

    def __missing__(self, value: Any) -> str:
        self[value] = json.dumps(value, ensure_ascii=False)
        return self[value]


class DailyStreamsJsonRenderer(JSONRenderer):
    """JSONRenderer that writes a `DailyStreamsAnswer` from its rows' pieces when its output
    is compact, byte for byte what rendering its `data()` gives; anything else as usual."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, DailyStreamsAnswer):
            indent = self.get_indent(accepted_media_type or "", renderer_context or {})
            if indent is not None or not self.compact or self.ensure_ascii:
                return super().render(data.data(), accepted_media_type, renderer_context)
            # What JSONRenderer does after json.dumps: keep the output valid JavaScript.
            text = data.compact_json().replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            return text.encode()
        return super().render(data, accepted_media_type, renderer_context)


class StreamingDailyListApi(KpiListApi):
    export_name = "streaming_daily"
    renderer_classes: ClassVar[list[type[BaseRenderer]]] = [
        DailyStreamsJsonRenderer,
        KpiCsvRenderer,
    ]
    FilterSerializer = _filter_serializer("StreamingDaily")
    OutputSerializer = _list_output(
        "StreamingDaily",
        {
            "date": serializers.DateField(),
            "platform": serializers.CharField(),
            "distributor": serializers.CharField(),
            "streams": serializers.IntegerField(),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        # The rendered answer is cached (`answer_cached`); the rows are not.
        answer = DailyStreamsAnswer(
            rows=selectors.streaming_daily_rows(filters=_filters(self.FilterSerializer, request)),
            as_of=_AS_OF.to_representation(selectors.warehouse_snapshot_get().as_of),
        )
        if isinstance(request.accepted_renderer, DailyStreamsJsonRenderer):
            return Response(answer)
        return Response(answer.data())


class _PlatformStreamsSerializer(serializers.Serializer[Any]):
    platform = serializers.CharField(source="name")
    streams = serializers.IntegerField()

    class Meta:
        ref_name = "PlatformStreams"


class _DistributorStreamsSerializer(serializers.Serializer[Any]):
    distributor = serializers.CharField(source="name")
    streams = serializers.IntegerField()

    class Meta:
        ref_name = "DistributorStreams"


class StreamingSummaryGetApi(APIView):
    FilterSerializer = _filter_serializer("StreamingSummary")

    class OutputSerializer(serializers.Serializer[Any]):
        total_streams = serializers.IntegerField()
        by_platform = _PlatformStreamsSerializer(many=True)
        by_distributor = _DistributorStreamsSerializer(many=True)
        daily_average = serializers.FloatField(help_text="Total / distinct dates in range")
        first_date = serializers.DateField(allow_null=True)
        last_date = serializers.DateField(allow_null=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "StreamingSummary"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        summary = selectors.streaming_summary_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(summary).data)


class StreamingGrowthListApi(KpiListApi):
    export_name = "streaming_growth"
    FilterSerializer = _filter_serializer(
        "StreamingGrowth",
        period=serializers.ChoiceField(
            choices=[period.value for period in Period], required=False, default="day"
        ),
    )
    OutputSerializer = _list_output(
        "StreamingGrowth",
        {
            "period_start": serializers.DateField(),
            "streams": serializers.IntegerField(),
            "previous_streams": serializers.IntegerField(),
            "growth_rate": serializers.FloatField(help_text="(streams - previous) / previous"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        serializer = self.FilterSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        rows = selectors.streaming_growth_list(
            filters=serializer.filters(),
            period=Period(serializer.validated_data["period"]),
            today=_today(),
        )
        return Response(self.OutputSerializer(rows).data)


class MarketingCampaignListApi(KpiListApi):
    export_name = "marketing_campaigns"
    FilterSerializer = _filter_serializer("MarketingCampaign")
    OutputSerializer = _list_output(
        "MarketingCampaign",
        {
            "campaign": serializers.CharField(),
            "external_id": serializers.CharField(),
            "artist": serializers.CharField(allow_null=True),
            "track": serializers.CharField(allow_null=True),
            "targeting": serializers.CharField(),
            "spend_usd": MoneyField(),
            "impressions": serializers.IntegerField(),
            "clicks": serializers.IntegerField(),
            "reach": serializers.IntegerField(allow_null=True),
            "reach_basis": serializers.ChoiceField(
                choices=["lifetime", "month", "max_daily"],
                help_text="max_daily: the largest daily reach, a lower bound of the range's",
            ),
            "ctr": serializers.FloatField(),
            "cpc_usd": MoneyField(),
            "cpm_usd": MoneyField(),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.marketing_campaign_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class MarketingArtistListApi(KpiListApi):
    export_name = "marketing_artists"
    FilterSerializer = _filter_serializer("MarketingArtist")
    OutputSerializer = _list_output(
        "MarketingArtist",
        {
            "artist": serializers.CharField(),
            "spend_usd": MoneyField(),
            "impressions": serializers.IntegerField(),
            "clicks": serializers.IntegerField(),
            "revenue_usd": MoneyField(),
            "roas": serializers.FloatField(help_text="revenue / spend, 0 when spend is 0"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.marketing_artist_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class MarketingReleaseListApi(KpiListApi):
    export_name = "marketing_releases"
    FilterSerializer = _filter_serializer(
        "MarketingRelease",
        window=serializers.ChoiceField(
            choices=list(selectors.ATTRIBUTION_WINDOWS),
            required=False,
            help_text="Attribution window in days after the last spend day (default: setting)",
        ),
    )
    OutputSerializer = _list_output(
        "MarketingRelease",
        {
            "track": serializers.CharField(),
            "artist": serializers.CharField(allow_null=True),
            "release": serializers.CharField(
                allow_null=True, help_text="The release the track first came out on"
            ),
            "release_type": serializers.CharField(
                allow_null=True,
                help_text="Staff-set, else inferred from the release's track count",
            ),
            "campaigns": serializers.ListField(child=serializers.CharField()),
            "spend_usd": MoneyField(),
            "attribution_start": serializers.DateField(help_text="First spend day"),
            "attribution_end": serializers.DateField(help_text="Last spend day + window"),
            "attributed_revenue_usd": MoneyField(),
            "baseline_revenue_usd": MoneyField(help_text="Equal period before the first spend"),
            "roas": serializers.FloatField(help_text="attributed / spend, 0 when spend is 0"),
            "incremental_roas": serializers.FloatField(help_text="(attributed - baseline) / spend"),
            "status": serializers.ChoiceField(choices=["final", "provisional"]),
            "s4a_streams": serializers.IntegerField(allow_null=True),
            "cost_per_stream_usd": MoneyField(allow_null=True),
            "other_promo_usd": MoneyField(help_text="SubmitHub cost; never part of ROAS"),
        },
        window_days=serializers.IntegerField(),
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        serializer = self.FilterSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        window = serializer.validated_data.get("window")
        rows = selectors.marketing_release_list(
            filters=serializer.filters(),
            window_days=int(window)
            if window is not None
            else selectors.attribution_window_default(),
            today=_today(),
        )
        return Response(self.OutputSerializer(rows).data)


class MarketingSubmitHubListApi(KpiListApi):
    export_name = "marketing_submithub"
    FilterSerializer = _filter_serializer("MarketingSubmitHub")
    OutputSerializer = _list_output(
        "MarketingSubmitHub",
        {
            "track": serializers.CharField(),
            "artist": serializers.CharField(allow_null=True),
            "submissions": serializers.IntegerField(),
            "approved": serializers.IntegerField(),
            "approval_rate": serializers.FloatField(
                help_text="approved / submissions with an outcome (pending excluded)"
            ),
            "shares": serializers.IntegerField(),
            "cost_usd": MoneyField(),
            "cost_per_share_usd": MoneyField(help_text="cost / shares, 0 when no shares"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.marketing_submithub_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


_SOCIAL_COMMON = {
    "account": serializers.CharField(),
    "artist": serializers.CharField(allow_null=True),
}


class AudienceTikTokListApi(KpiListApi):
    export_name = "audience_tiktok"
    FilterSerializer = _filter_serializer("AudienceTikTok")
    OutputSerializer = _list_output(
        "AudienceTikTok",
        {
            **_SOCIAL_COMMON,
            "video_views": serializers.IntegerField(),
            "profile_views": serializers.IntegerField(),
            "likes": serializers.IntegerField(),
            "comments": serializers.IntegerField(),
            "shares": serializers.IntegerField(),
            "engagement_rate": serializers.FloatField(),
            "followers": serializers.IntegerField(allow_null=True, help_text="Latest known"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.audience_tiktok_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class AudienceInstagramListApi(KpiListApi):
    export_name = "audience_instagram"
    FilterSerializer = _filter_serializer("AudienceInstagram")
    OutputSerializer = _list_output(
        "AudienceInstagram",
        {
            **_SOCIAL_COMMON,
            "views": serializers.IntegerField(),
            "reach": serializers.IntegerField(help_text="Sum of daily reach (not unique)"),
            "profile_views": serializers.IntegerField(),
            "likes": serializers.IntegerField(),
            "comments": serializers.IntegerField(),
            "shares": serializers.IntegerField(),
            "engagement_rate": serializers.FloatField(),
            "followers": serializers.IntegerField(allow_null=True, help_text="Latest known"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.audience_instagram_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class AudienceYouTubeListApi(KpiListApi):
    export_name = "audience_youtube"
    FilterSerializer = _filter_serializer("AudienceYouTube")
    OutputSerializer = _list_output(
        "AudienceYouTube",
        {
            **_SOCIAL_COMMON,
            "views": serializers.IntegerField(),
            "engaged_views": serializers.IntegerField(),
            "watch_minutes": serializers.IntegerField(),
            "likes": serializers.IntegerField(),
            "comments": serializers.IntegerField(),
            "shares": serializers.IntegerField(),
            "subscribers_gained": serializers.IntegerField(),
            "subscribers_lost": serializers.IntegerField(),
            "engagement_rate": serializers.FloatField(),
            "subscribers": serializers.IntegerField(allow_null=True, help_text="Latest known"),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.audience_youtube_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class AudienceMailchimpListApi(KpiListApi):
    export_name = "audience_mailchimp"
    FilterSerializer = _filter_serializer("AudienceMailchimp")
    OutputSerializer = _list_output(
        "AudienceMailchimp",
        {
            "list_id": serializers.CharField(help_text="The Mailchimp audience (list)"),
            "campaigns": serializers.IntegerField(help_text="Campaigns sent in range"),
            "emails_sent": serializers.IntegerField(),
            "unique_opens": serializers.IntegerField(),
            "unique_clicks": serializers.IntegerField(),
            "unsubscribed": serializers.IntegerField(),
            "open_rate": serializers.FloatField(help_text="unique opens / emails sent"),
            "click_rate": serializers.FloatField(help_text="unique clicks / emails sent"),
            "subscribed": serializers.IntegerField(help_text="List growth, months in range"),
            "members": serializers.IntegerField(allow_null=True, help_text="Latest known"),
            "members_on": serializers.DateField(allow_null=True),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.audience_mailchimp_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class AudienceSpotifyListApi(KpiListApi):
    export_name = "audience_spotify"
    FilterSerializer = _filter_serializer("AudienceSpotify")
    OutputSerializer = _list_output(
        "AudienceSpotify",
        {
            "artist": serializers.CharField(),
            "account": serializers.CharField(),
            "date": serializers.DateField(),
            "listeners": serializers.IntegerField(allow_null=True),
            "streams": serializers.IntegerField(allow_null=True),
            "followers": serializers.IntegerField(allow_null=True),
        },
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        rows = selectors.audience_spotify_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(rows).data)


class AudienceLinktreeGetApi(KpiListApi):
    export_name = "audience_linktree"
    FilterSerializer = _filter_serializer("AudienceLinktree")
    OutputSerializer = _list_output(
        "AudienceLinktree",
        {
            "date": serializers.DateField(),
            "views": serializers.IntegerField(),
            "clicks": serializers.IntegerField(),
        },
        total_views=serializers.IntegerField(),
        total_clicks=serializers.IntegerField(),
        click_through_rate=serializers.FloatField(help_text="clicks / views; may exceed 1"),
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        links = selectors.audience_linktree_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(links).data)


class AudienceTikTokLagGetApi(KpiListApi):
    export_name = "audience_tiktok_lag"
    FilterSerializer = _filter_serializer("AudienceTikTokLag")
    OutputSerializer = _list_output(
        "AudienceTikTokLag",
        {
            "lag_days": serializers.IntegerField(),
            "correlation": serializers.FloatField(allow_null=True),
        },
        account=serializers.CharField(),
        artist=serializers.CharField(allow_null=True),
        status=serializers.CharField(help_text="ok, or insufficient_data (< 90 days overlap)"),
        best_lag_days=serializers.IntegerField(allow_null=True),
        overlap_days=serializers.IntegerField(),
    )

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        filters = _filters(self.FilterSerializer, request)
        if filters.account is None:
            raise serializers.ValidationError({"account": ["A TikTok account is required."]})
        lag = selectors.audience_tiktok_lag_get(filters=filters)
        return Response(self.OutputSerializer(lag).data)


class KpiGoalListApi(KpiListApi):
    export_name = "kpis_goals"
    OutputSerializer = _list_output(
        "KpiGoal",
        {
            "goal": serializers.CharField(),
            "unit": serializers.ChoiceField(choices=["usd", "streams", "followers"]),
            "target": GoalAmountField(),
            "current": GoalAmountField(),
            "progress": serializers.FloatField(help_text="min(current / target, 1)"),
            "status": serializers.CharField(help_text="achieved, on_track, behind or at_risk"),
        },
    )

    @extend_schema(responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        goals = selectors.kpi_goal_list(today=_today())
        return Response(self.OutputSerializer(goals).data)


class AlertOutputSerializer(serializers.ModelSerializer[Alert]):
    acknowledged = serializers.BooleanField(source="is_acknowledged", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "type",
            "subject",
            "period",
            "severity",
            "message",
            "created_at",
            "acknowledged",
            "acknowledged_at",
        ]
        ref_name = "KpiAlert"


class KpiAlertListApi(KpiListApi):
    export_name = "kpis_alerts"

    class FilterSerializer(serializers.Serializer[Any]):
        acknowledged = serializers.BooleanField(required=False, allow_null=True, default=None)
        type = serializers.ChoiceField(choices=Alert.Type.choices, required=False)

        class Meta:
            ref_name = "KpiAlertFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        results = AlertOutputSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "KpiAlertList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    @answer_cached
    def get(self, request: Request) -> Response:
        serializer = self.FilterSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        alerts = selectors.kpi_alert_list(
            is_acknowledged=serializer.validated_data.get("acknowledged"),
            alert_type=serializer.validated_data.get("type"),
        )
        snapshot = selectors.warehouse_snapshot_get()
        return Response(self.OutputSerializer({"results": alerts, "as_of": snapshot.as_of}).data)


class KpiAlertAcknowledgeApi(APIView):
    @extend_schema(
        request=None,
        responses=AlertOutputSerializer,
        parameters=[OpenApiParameter("alert_id", int, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, alert_id: int) -> Response:
        try:
            alert = services.kpi_alert_acknowledge(alert_id=alert_id, user=request.user)
        except Alert.DoesNotExist as error:
            raise Http404("No such alert.") from error
        return Response(AlertOutputSerializer(alert).data)
