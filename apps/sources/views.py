"""The credentials page: every login's status, entering new ones, verify/refresh/extract now,
and the 2FA hand-off. Staff only (StaffOnlyPagesMiddleware); secrets are never shown."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from apps.health.errors import InvalidInputError
from apps.sources.extractors import EXTRACTORS
from apps.sources.forms import CredentialForm, TwoFactorCodeForm
from apps.sources.models import TwoFactorRequest
from apps.sources.selectors import credential_inventory_list, two_factor_pending_list
from apps.sources.services import credential_enter, two_factor_code_submit
from apps.sources.tasks import (
    credential_refresh_task,
    credential_verify_task,
    source_extract_task,
)

ACTIONS = ("verify", "refresh", "extract")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _page(request: HtmxHttpRequest, form: CredentialForm, status: int = 200) -> HttpResponse:
    now = timezone.now()
    context = {
        "rows": credential_inventory_list(now=now),
        "pending_requests": two_factor_pending_list(now=now),
        "form": form,
    }
    template = (
        "sources/partials/credential_table.html" if request.htmx else "sources/credentials.html"
    )
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def credentials_page(request: HtmxHttpRequest) -> HttpResponse:
    """The credential inventory, with the form that stores a new login."""
    if request.method == "GET":
        return _page(request, CredentialForm())
    form = CredentialForm(request.POST)
    if not form.is_valid():
        return _page(request, _without_secret(form), status=400)
    data = form.cleaned_data
    try:
        credential_enter(
            source=data["source"],
            account=data["account"],
            kind=data["kind"],
            secret_text=data["secret"],
            expires_at=data["expires_at"],
        )
    except InvalidInputError as error:
        for field, errors in error.field_errors.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _page(request, _without_secret(form), status=400)
    if data["extract_after_save"] and data["source"] in EXTRACTORS:
        transaction.on_commit(
            partial(source_extract_task.delay, source=data["source"], account=data["account"])
        )
    messages.success(
        request,
        f"Saved the {data['kind']} for {data['source']}/"
        f"{data['account'] or '-'}; it will not be shown again.",
    )
    return redirect("sources:credentials")


def _without_secret(form: CredentialForm) -> CredentialForm:
    """Re-display a refused form without the secret the user typed."""
    form.data = form.data.copy()
    form.data["secret"] = ""
    return form


@require_POST
def credential_action(
    request: HtmxHttpRequest, source: str, account: str, action: str
) -> HttpResponse:
    """Verify, refresh or extract now: queued for the worker (a browser probe takes a while)."""
    if action not in ACTIONS or source not in EXTRACTORS:
        return HttpResponseBadRequest("unknown source or action")
    account_name = "" if account == "-" else account
    task = {
        "verify": partial(credential_verify_task.delay, source=source, account=account_name),
        "refresh": partial(
            credential_refresh_task.delay,
            source=source,
            account=account_name,
            is_automatic=False,
        ),
        "extract": partial(source_extract_task.delay, source=source, account=account_name),
    }[action]
    transaction.on_commit(task)
    messages.info(request, f"{action} queued for {source}/{account}")
    return redirect("sources:credentials")


@require_http_methods(["GET", "POST"])
def two_factor_page(request: HtmxHttpRequest, request_id: int) -> HttpResponse:
    """Where staff type the code a vendor sent, before the request's deadline."""
    pending = get_object_or_404(TwoFactorRequest.objects.defer("code_secret"), pk=request_id)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                two_factor_code_submit(request_id=pending.pk, code=form.cleaned_data["code"])
            except InvalidInputError as error:
                form.add_error("code", error.field_errors.get("code", [error.message])[0])
            else:
                messages.success(request, "Code sent; the extraction resumes.")
                return redirect("sources:credentials")
        status = 400
        form.data = form.data.copy()
        form.data["code"] = ""
    context = {
        "pending": pending,
        "form": form,
        "is_open": pending.status == "pending" and pending.deadline > timezone.now(),
    }
    return render(request, "sources/two_factor.html", context, status=status)
