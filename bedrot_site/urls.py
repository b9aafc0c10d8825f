"""Top-level routes: pages, admin, API and its schema/docs (all staff-only)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("apps.kpis.api_urls")),
    path("api/lake/", include("apps.warehouse.api_urls")),
    path("api/lake/", include("apps.lake.api_urls")),
    path("lake/", include("apps.warehouse.urls")),
    path("", include("apps.kpis.urls")),
]
