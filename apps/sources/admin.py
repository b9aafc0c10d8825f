"""Admin views of stored logins: metadata only; the encrypted secret is never shown or edited
here (new logins are entered on /sources/credentials/)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.sources.models import Credential, ExtractionLock, TwoFactorRequest


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "account",
        "kind",
        "status",
        "expires_at",
        "last_verified_at",
        "last_extracted_at",
    )
    list_filter = ("source", "status", "kind")
    search_fields = ("source", "account")
    exclude = ("secret",)
    readonly_fields = (
        "source",
        "account",
        "kind",
        "last_verified_at",
        "last_extracted_at",
        "last_refreshed_at",
        "last_error",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a login without its secret is meaningless; use the credentials page


@admin.register(TwoFactorRequest)
class TwoFactorRequestAdmin(admin.ModelAdmin):
    list_display = ("source", "account", "status", "created_at", "deadline", "submitted_at")
    list_filter = ("status", "source")
    exclude = ("code_secret",)
    readonly_fields = (
        "source",
        "account",
        "prompt",
        "created_at",
        "deadline",
        "submitted_at",
        "consumed_at",
        "resume_on_submit",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExtractionLock)
class ExtractionLockAdmin(admin.ModelAdmin):
    list_display = ("source", "account", "owner", "claimed_until")
