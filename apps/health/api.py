"""Health endpoints: /api/health/ (CONTRACT 3), /api/health/runs and /api/health/credentials
(SPEC 5.5). Staff only (the DRF default); invalid parameters are 400 with field errors."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.health.cadence import HEALTH_SOURCE_IDS
from apps.health.models import RunStatus
from apps.health.scoring import CredentialFacts, credential_status_effective, overall_status
from apps.health.selectors import RunFilter, credential_inventory_list, task_run_list
from apps.health.services import health_evaluate

RUNS_DEFAULT_LIMIT = 100
RUNS_MAX_LIMIT = 500


class DeductionSerializer(serializers.Serializer[Any]):
    rule = serializers.CharField()
    base = serializers.IntegerField()
    multiplier = serializers.FloatField()
    points = serializers.IntegerField()
    detail = serializers.CharField()


class HealthListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        service = serializers.ChoiceField(choices=HEALTH_SOURCE_IDS, required=False)

        class Meta:
            ref_name = "HealthFilter"

    class ResultSerializer(serializers.Serializer[Any]):
        service = serializers.CharField()
        status = serializers.CharField()
        score = serializers.IntegerField(allow_null=True)
        last_success_at = serializers.DateTimeField(allow_null=True)
        freshness_days = serializers.IntegerField(allow_null=True)
        credential_status = serializers.CharField()
        priority = serializers.CharField()
        deductions = DeductionSerializer(many=True)

        class Meta:
            ref_name = "HealthResult"

    class OutputSerializer(serializers.Serializer[Any]):
        overall_status = serializers.CharField()
        generated_at = serializers.DateTimeField()
        results = serializers.ListField(child=serializers.DictField())

        class Meta:
            ref_name = "Health"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = timezone.now()
        evaluated = health_evaluate(service=filters.validated_data.get("service"), now=now)
        results = [
            {
                "service": item.score.source,
                "status": str(item.score.status),
                "score": item.score.score,
                "last_success_at": item.facts.runs.last_success_at,
                "freshness_days": item.score.freshness_days,
                "credential_status": str(item.score.credential.status),
                "priority": str(item.score.priority),
                "deductions": [deduction.as_dict() for deduction in item.score.deductions],
            }
            for item in evaluated
        ]
        return Response(
            {
                "overall_status": str(overall_status([item.score for item in evaluated])),
                "generated_at": now.isoformat(),
                "results": self.ResultSerializer(results, many=True).data,
            }
        )


class RunFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    source = serializers.ChoiceField(choices=HEALTH_SOURCE_IDS, required=False)
    task = serializers.CharField(required=False, max_length=200)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=RUNS_MAX_LIMIT, default=RUNS_DEFAULT_LIMIT
    )

    class Meta:
        ref_name = "HealthRunFilter"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"end": ["end must not be before start"]})
        return attrs

    def run_filter(self) -> RunFilter:
        data = self.validated_data
        return RunFilter(
            status=data.get("status"),
            source=data.get("source"),
            task=data.get("task"),
            start=data.get("start"),
            end=data.get("end"),
        )


class HealthRunListApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        task_name = serializers.CharField()
        source = serializers.CharField()
        account = serializers.CharField()
        trigger = serializers.CharField()
        arguments = serializers.JSONField()
        status = serializers.CharField()
        attempt = serializers.IntegerField()
        parent_run = serializers.IntegerField(source="parent_run_id", allow_null=True)
        queued_at = serializers.DateTimeField()
        started_at = serializers.DateTimeField(allow_null=True)
        finished_at = serializers.DateTimeField(allow_null=True)
        duration_s = serializers.FloatField(allow_null=True)
        rows_in = serializers.IntegerField(allow_null=True)
        rows_out = serializers.IntegerField(allow_null=True)
        rows_rejected = serializers.IntegerField(allow_null=True)
        error_code = serializers.CharField()
        error_message = serializers.CharField()

        class Meta:
            ref_name = "HealthRun"

    @extend_schema(
        parameters=[RunFilterSerializer],
        responses=inline_serializer("HealthRunList", {"results": OutputSerializer(many=True)}),
    )
    def get(self, request: Request) -> Response:
        filters = RunFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        runs = task_run_list(filters=filters.run_filter())[: filters.validated_data["limit"]]
        return Response({"results": self.OutputSerializer(runs, many=True).data})


class HealthCredentialListApi(APIView):
    class FilterSerializer(serializers.Serializer[Any]):
        source = serializers.ChoiceField(choices=HEALTH_SOURCE_IDS, required=False)

        class Meta:
            ref_name = "HealthCredentialFilter"

    class OutputSerializer(serializers.Serializer[Any]):
        source = serializers.CharField()
        account = serializers.CharField()
        kind = serializers.CharField()
        status = serializers.CharField()
        stored_status = serializers.CharField()
        expires_at = serializers.DateTimeField(allow_null=True)
        last_verified_at = serializers.DateTimeField(allow_null=True)
        last_extracted_at = serializers.DateTimeField(allow_null=True)

        class Meta:
            ref_name = "HealthCredential"

    @extend_schema(
        parameters=[FilterSerializer],
        responses=inline_serializer(
            "HealthCredentialList", {"results": OutputSerializer(many=True)}
        ),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response({"results": credential_rows(source=filters.validated_data.get("source"))})


def credential_rows(*, source: str | None = None) -> list[dict[str, Any]]:
    """The inventory with each login's SPEC 6.3 status; the secret column is never loaded."""
    now = timezone.now()
    rows = []
    for row in credential_inventory_list(source=source):
        facts = CredentialFacts(row.account, row.status, row.expires_at, row.last_verified_at)
        rows.append(
            {
                "source": row.source,
                "account": row.account,
                "kind": row.kind,
                "status": str(credential_status_effective(facts, now=now)),
                "stored_status": row.status,
                "expires_at": row.expires_at,
                "last_verified_at": row.last_verified_at,
                "last_extracted_at": row.last_extracted_at,
            }
        )
    return HealthCredentialListApi.OutputSerializer(rows, many=True).data  # type: ignore[return-value]
