from __future__ import annotations

from django.contrib import admin

from apps.health.models import TaskRun


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "task_name",
        "status",
        "source",
        "attempt",
        "queued_at",
        "finished_at",
        "error_code",
    )
    list_filter = ("status", "source", "task_name")
    search_fields = ("task_name", "error_message", "celery_task_id")
    readonly_fields = [f.name for f in TaskRun._meta.fields]
