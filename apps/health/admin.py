from __future__ import annotations

from django.contrib import admin

from apps.health.models import (
    Notification,
    NotificationCooloff,
    RemediationAction,
    SourceHealthSetting,
    SourcePause,
    TaskRun,
)


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


@admin.register(SourceHealthSetting)
class SourceHealthSettingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("source", "priority", "auto_pause_after_failures")
    list_editable = ("priority", "auto_pause_after_failures")


@admin.register(SourcePause)
class SourcePauseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("source", "account", "reason", "is_automatic", "paused_at", "resumed_at")
    list_filter = ("source", "is_automatic")
    readonly_fields = ("periodic_task_names", "paused_at")


@admin.register(NotificationCooloff)
class NotificationCooloffAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("type", "cooloff_minutes")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "type", "severity", "source", "subject", "outcome")
    list_filter = ("type", "severity", "outcome", "source")
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(RemediationAction)
class RemediationActionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "kind", "source", "account", "outcome")
    list_filter = ("kind", "outcome", "source")
    readonly_fields = [f.name for f in RemediationAction._meta.fields]
