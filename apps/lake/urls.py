"""Lake pages, mounted at /lake/ (beside the upload page)."""

from __future__ import annotations

from django.urls import path

from apps.lake import views

app_name = "lake"

urlpatterns = [
    path("", views.lake_files_page, name="files"),
    path("replay/", views.lake_source_replay, name="replay-source"),
    path("files/<int:file_id>/", views.lake_file_page, name="file"),
    path("files/<int:file_id>/download/", views.lake_file_download, name="file-download"),
    path("files/<int:file_id>/replay/", views.lake_file_replay, name="file-replay"),
    path("files/<int:file_id>/dismiss/", views.lake_file_dismiss_action, name="file-dismiss"),
    path("datasets/", views.curated_datasets_page, name="datasets"),
    path("datasets/<slug:name>/", views.curated_dataset_page, name="dataset"),
]
