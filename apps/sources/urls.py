"""Source pages, mounted at /sources/."""

from __future__ import annotations

from django.urls import path

from apps.sources import views

app_name = "sources"

urlpatterns = [
    path("credentials/", views.credentials_page, name="credentials"),
    path(
        "credentials/<slug:source>/<str:account>/<str:action>/",
        views.credential_action,
        name="credential_action",
    ),
    path("credentials/2fa/<int:request_id>/", views.two_factor_page, name="two_factor"),
]
