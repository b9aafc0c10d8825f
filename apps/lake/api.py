"""Lake API: the lineage record of every file and its rejected rows."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.health.errors import InvalidInputError
from apps.lake.drift import drift_summary
from apps.lake.models import FileStatus, LakeFile
from apps.lake.selectors import lake_file_list, rejected_row_list
from apps.lake.services import DISMISSAL_NOTE_CHARS, lake_file_dismiss
from apps.sources.connectors.registry import SOURCE_IDS

# A page of the file list; the newest files come first.
LAKE_FILES_PAGE_ROWS = 500


class LakeFileOutputSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="original_name")

    class Meta:
        model = LakeFile
        fields = [
            "id",
            "source",
            "account",
            "zone",
            "name",
            "sha256",
            "rows_in",
            "rows_out",
            "rows_rejected",
            "status",
            "error",
            "created_at",
        ]


class LakeFileListItemSerializer(LakeFileOutputSerializer):
    """The contract's fields plus (additive) how the file came, its kind, the parser version,
    its schema drift (new columns against the parser's declared set, columns left empty vs the
    previous file), for a quarantined file whether staff dismissed it, and when identical bytes
    suggested a cached capture (SPEC 2.2). `status` keeps the contract's values."""

    schema_drift = serializers.SerializerMethodField()
    is_dismissed = serializers.BooleanField(read_only=True)

    def get_schema_drift(self, lake_file: LakeFile) -> str:
        return drift_summary(lake_file.schema_drift)

    class Meta(LakeFileOutputSerializer.Meta):
        fields = [
            *LakeFileOutputSerializer.Meta.fields,
            "origin",
            "kind",
            "parser_version",
            "schema_drift",
            "is_dismissed",
            "dismissed_at",
            "dismissal_note",
            "possibly_cached_at",
        ]


class LakeFileListApi(APIView):
    class FilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
        source = serializers.ChoiceField(choices=[*SOURCE_IDS, "_unrecognised"], required=False)
        status = serializers.ChoiceField(choices=FileStatus.choices, required=False)

        class Meta:
            ref_name = "LakeFileListFilter"

    class OutputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        results = LakeFileListItemSerializer(many=True)

        class Meta:
            ref_name = "LakeFileList"

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        files = lake_file_list(**filters.validated_data)[:LAKE_FILES_PAGE_ROWS]
        return Response({"results": LakeFileListItemSerializer(files, many=True).data})


class LakeFileRejectionListApi(APIView):
    class RowSerializer(serializers.Serializer):  # type: ignore[type-arg]
        row = serializers.IntegerField(source="row_number")
        column = serializers.CharField()
        code = serializers.CharField()
        message = serializers.CharField()

        class Meta:
            ref_name = "LakeFileRejection"

    class OutputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        results = serializers.ListField(child=serializers.DictField())

        class Meta:
            ref_name = "LakeFileRejectionList"

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, file_id: int) -> Response:
        get_object_or_404(LakeFile, pk=file_id)
        rows = rejected_row_list(file_id=file_id)
        return Response({"results": self.RowSerializer(rows, many=True).data})


class LakeFileDismissApi(APIView):
    """Set a quarantined file aside after review; its raw copy and reason are kept."""

    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=DISMISSAL_NOTE_CHARS, default=""
        )

        class Meta:
            ref_name = "LakeFileDismissInput"

    @extend_schema(
        request=InputSerializer,
        responses={
            200: LakeFileListItemSerializer,
            409: inline_serializer("LakeFileDismissConflict", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request: Request, file_id: int) -> Response:
        get_object_or_404(LakeFile, pk=file_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lake_file = lake_file_dismiss(
                file_id=file_id, user=request.user, note=data.validated_data["note"]
            )
        except InvalidInputError as error:
            # A valid request for a file in the wrong state (not quarantined): a conflict.
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(LakeFileListItemSerializer(lake_file).data)
