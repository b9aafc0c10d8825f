"""Revenue KPI endpoints (CONTRACT section 3): validate filters, call one selector, serialize."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.kpis.calculations import money_str
from apps.kpis.filters import RevenueFilters, RevenueFilterSerializer
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


def _filters(serializer_class: type[RevenueFilterSerializer], request: Request) -> RevenueFilters:
    """Validate the query string (400 with field errors when invalid) into `RevenueFilters`."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.filters()


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
    def get(self, request: Request) -> Response:
        summary = kpi_summary_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(summary).data)


class RevenuePlatformListApi(APIView):
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
    def get(self, request: Request) -> Response:
        platforms = revenue_by_platform_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(platforms).data)


class RevenueArtistListApi(APIView):
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

            class Meta:
                ref_name = "RevenueArtistRow"

        results = RowSerializer(many=True)
        as_of = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "RevenueArtistList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        artists = revenue_by_artist_list(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(artists).data)


class RevenueMonthlyListApi(APIView):
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
    def get(self, request: Request) -> Response:
        months = revenue_monthly_list(
            filters=_filters(self.FilterSerializer, request), today=timezone.now().date()
        )
        return Response(self.OutputSerializer(months).data)


class RevenueDelaysGetApi(APIView):
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
    def get(self, request: Request) -> Response:
        delays = revenue_delays_get(filters=_filters(self.FilterSerializer, request))
        return Response(self.OutputSerializer(delays).data)
