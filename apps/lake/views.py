"""The lake browser (staff only, like every page): files by source and zone with their lineage,
one file's detail with its rejected rows, the original's download, replay buttons, and the
curated datasets with a preview."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from apps.health.errors import BedrotError
from apps.lake.drift import drift_summary
from apps.lake.models import FileStatus, LakeFile, Zone
from apps.lake.replay import lake_replay_enqueue
from apps.lake.selectors import (
    curated_dataset_list,
    curated_dataset_preview,
    files_by_source_and_zone,
    lake_file_browse,
    rejected_row_list,
)
from apps.lake.services import DISMISSAL_NOTE_CHARS, lake_file_dismiss
from apps.lake.storage import lake_storage
from apps.sources.connectors.registry import SOURCE_IDS

REJECTED_ROWS_SHOWN = 500
PREVIEW_ROWS = 100


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [("", "all"), *((value, value) for value in values)]


class FileFilterForm(forms.Form):
    source = forms.ChoiceField(required=False, choices=_choices([*SOURCE_IDS, "_unrecognised"]))
    zone = forms.ChoiceField(required=False, choices=_choices(list(Zone.values)))
    status = forms.ChoiceField(required=False, choices=_choices(list(FileStatus.values)))


class DismissForm(forms.Form):
    note = forms.CharField(required=False, max_length=DISMISSAL_NOTE_CHARS)
    # Where to come back to: the lake page (default) or the file's own page.
    next = forms.ChoiceField(required=False, choices=[("files", "files"), ("file", "file")])


class ReplaySourceForm(forms.Form):
    source = forms.ChoiceField(choices=[(value, value) for value in SOURCE_IDS])


@require_GET
def lake_files_page(request: HtmxHttpRequest) -> HttpResponse:
    """Files by source and zone, filtered; htmx swaps only the table."""
    form = FileFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    files = list(lake_file_browse(**{key: value for key, value in filters.items() if value}))
    context = {
        "form": form,
        "files": files,
        "matrix": files_by_source_and_zone(),
        "zones": list(Zone.values),
        "source_ids": SOURCE_IDS,
    }
    template = "lake/partials/file_table.html" if request.htmx else "lake/files.html"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)


@require_GET
def lake_file_page(request: HttpRequest, file_id: int) -> HttpResponse:
    lake_file = get_object_or_404(LakeFile, pk=file_id)
    context = {
        "file": lake_file,
        "drift": drift_summary(lake_file.schema_drift),
        "rejections": rejected_row_list(file_id=file_id)[:REJECTED_ROWS_SHOWN],
        "rejections_shown": REJECTED_ROWS_SHOWN,
        "timings": sorted(lake_file.timings.items()),
    }
    return render(request, "lake/file_detail.html", context)


@require_GET
def lake_file_download(request: HttpRequest, file_id: int) -> FileResponse:
    """The original bytes (raw copy, else the landing copy), streamed under the arrival name."""
    lake_file = get_object_or_404(LakeFile, pk=file_id)
    storage = lake_storage()
    key = next(
        (key for key in (lake_file.raw_key, lake_file.landing_key) if key and storage.exists(key)),
        None,
    )
    if key is None:
        raise Http404("the original is no longer stored")
    return FileResponse(
        storage.open(key, "rb"), as_attachment=True, filename=lake_file.original_name
    )


@require_POST
def lake_file_replay(request: HttpRequest, file_id: int) -> HttpResponse:
    """Reprocess one file from raw with the current parser (also for a quarantined file)."""
    lake_file = get_object_or_404(LakeFile, pk=file_id)
    lake_replay_enqueue(file_id=lake_file.pk)
    messages.info(request, f"Replay of file {lake_file.pk} queued.")
    return redirect("lake:file", file_id=lake_file.pk)


@require_POST
def lake_file_dismiss_action(request: HttpRequest, file_id: int) -> HttpResponse:
    """Set a quarantined file aside after review, with an optional note; its bytes are kept."""
    lake_file = get_object_or_404(LakeFile, pk=file_id)
    form = DismissForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in form.errors.items())
        messages.error(request, f"Not dismissed. {errors}")
    else:
        try:
            lake_file_dismiss(
                file_id=lake_file.pk, user=request.user, note=form.cleaned_data["note"]
            )
            messages.info(request, f"File {lake_file.pk} dismissed; its raw copy is kept.")
        except BedrotError as error:
            messages.error(request, error.message)
    if form.is_valid() and form.cleaned_data["next"] == "file":
        return redirect("lake:file", file_id=lake_file.pk)
    return redirect(f"{reverse('lake:files')}?{urlencode({'status': 'quarantined'})}")


@require_POST
def lake_source_replay(request: HttpRequest) -> HttpResponse:
    form = ReplaySourceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a known source to replay.")
        return redirect("lake:files")
    source = form.cleaned_data["source"]
    lake_replay_enqueue(source=source)
    messages.info(request, f"Replay of every {source} file queued.")
    return redirect(f"{reverse('lake:files')}?{urlencode({'source': source})}")


@require_GET
def curated_datasets_page(request: HttpRequest) -> HttpResponse:
    return render(request, "lake/datasets.html", {"datasets": curated_dataset_list()})


@require_GET
def curated_dataset_page(request: HttpRequest, name: str) -> HttpResponse:
    preview = curated_dataset_preview(name=name, rows=PREVIEW_ROWS)
    if preview is None:
        raise Http404("no such curated dataset")
    return render(request, "lake/dataset_detail.html", {"preview": preview})
