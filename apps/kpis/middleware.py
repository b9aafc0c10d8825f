"""Pages are staff-only: anonymous users go to login, signed-in non-staff get 403."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

# Paths with their own access rules: the login page, static files, the API (DRF decides) and
# the admin (Django's admin decides).
OPEN_PREFIXES = ("/login/", "/logout/", "/static/", "/api/", "/admin/", "/favicon.ico")


class StaffOnlyPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(OPEN_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not user.is_staff:
                raise PermissionDenied
        return self.get_response(request)
