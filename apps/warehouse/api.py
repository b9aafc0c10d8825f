"""Upload API: one file in, through the ingest pipeline, its lineage row and outcome out."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.lake.api import LakeFileOutputSerializer
from apps.lake.models import LakeFile
from apps.sources.connectors.registry import SOURCE_IDS
from apps.warehouse.services import IngestOutcome, ingest_upload

# Room for the multipart boundaries and the small text fields around the file, so a file just
# under the limit is not refused for its envelope; anything larger is refused unread.
UPLOAD_ENVELOPE_BYTES = 64 * 1024
ACCOUNT_SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"The file is larger than the {max_bytes} byte limit.")


def _declared_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class LakeFileUploadApi(APIView):
    """POST /api/lake/upload: staff send one statement or export; the pipeline does the rest."""

    parser_classes: ClassVar[list[type[BaseParser]]] = [MultiPartParser]

    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        # An empty file is the pipeline's to quarantine with a reason, not a form error.
        file = serializers.FileField(allow_empty_file=True)
        source = serializers.ChoiceField(
            choices=SOURCE_IDS, required=False, allow_blank=True, default=""
        )
        # A slug (`zonea0`, a channel id, a handle): it becomes part of the file's object key.
        account = serializers.RegexField(
            ACCOUNT_SLUG, max_length=64, required=False, allow_blank=True, default=""
        )

        class Meta:
            ref_name = "LakeFileUploadInput"

    class OutputSerializer(LakeFileOutputSerializer):
        """The lineage row of GET /api/lake/files plus what this upload did."""

        # A plain string here: a second component with the FileStatus enum collides in the schema
        # with the revenue `status` enum until ENUM_NAME_OVERRIDES names FileStatus.
        status = serializers.CharField()
        result = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected", "queued"])
        reason = serializers.CharField(allow_blank=True)

        class Meta(LakeFileOutputSerializer.Meta):
            fields = (*LakeFileOutputSerializer.Meta.fields, "result", "reason")
            ref_name = "LakeFileUpload"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Refuse on the declared length before anything parses the body (the session CSRF check
        # reads the form), so an oversized upload is never spooled, let alone stored.
        if _declared_length(request) > settings.UPLOAD_MAX_BYTES + UPLOAD_ENVELOPE_BYTES:
            raise UploadTooLarge(settings.UPLOAD_MAX_BYTES)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=InputSerializer,
        # 400/401/403/404 come from bedrot_site.openapi, like every other operation's.
        responses={201: OutputSerializer,
                   413: OpenApiResponse(description="Larger than UPLOAD_MAX_BYTES"),
                   415: OpenApiResponse(description="The body is not multipart/form-data")},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        max_bytes: int = settings.UPLOAD_MAX_BYTES
        if sum(len(files) for _, files in request.FILES.lists()) > 1:
            raise serializers.ValidationError({"file": ["Send one file per request."]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        if data["file"].size > max_bytes:
            raise UploadTooLarge(max_bytes)
        outcome = ingest_upload(
            upload=data["file"],
            source_id=data["source"] or None,
            account=data["account"],
            run_async=getattr(settings, "UPLOAD_ASYNC", True),
        )
        return Response(self._output(outcome), status=status.HTTP_201_CREATED)

    def _output(self, outcome: IngestOutcome) -> dict[str, Any]:
        lineage: dict[str, Any]
        if outcome.lake_file_id is None:
            # Refused before a lineage row existed: report what is known about the file.
            lineage = {
                "id": None, "source": outcome.source, "account": outcome.account, "zone": None,
                "name": outcome.original_name, "sha256": None, "rows_in": outcome.rows_in,
                "rows_out": outcome.rows_out, "rows_rejected": outcome.rows_rejected,
                "status": None, "error": outcome.reason, "created_at": None,
            }  # fmt: skip
        else:
            lake_file = LakeFile.objects.get(pk=outcome.lake_file_id)
            lineage = dict(LakeFileOutputSerializer(lake_file).data)
        return {**lineage, "result": outcome.result, "reason": outcome.reason}
