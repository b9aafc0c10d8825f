from __future__ import annotations

from django.urls import re_path

from apps.lake.api import LakeFileDismissApi, LakeFileListApi, LakeFileRejectionListApi

urlpatterns = [
    # The contract writes these paths without a trailing slash; both spellings answer.
    re_path(r"^files/?$", LakeFileListApi.as_view(), name="lake-files"),
    re_path(
        r"^files/(?P<file_id>[0-9]+)/rejections/?$",
        LakeFileRejectionListApi.as_view(),
        name="lake-file-rejections",
    ),
    re_path(
        r"^files/(?P<file_id>[0-9]+)/dismiss/?$",
        LakeFileDismissApi.as_view(),
        name="lake-file-dismiss",
    ),
]
