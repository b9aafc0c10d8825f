"""Top-level routes: pages, admin, API and its schema/docs (all staff-only)."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI sets inline styles from its own script; the docs page alone allows them.
api_docs_view = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs_view, name="api-docs"),
    path("api/health/", include("apps.health.api_urls")),
    path("api/", include("apps.kpis.api_urls")),
    path("api/lake/", include("apps.warehouse.api_urls")),
    path("api/lake/", include("apps.lake.api_urls")),
    path("lake/", include("apps.warehouse.urls")),
    path("warehouse/", include("apps.warehouse.review_urls")),
    path("lake/", include("apps.lake.urls")),
    path("health/", include("apps.health.urls")),
    path("sources/", include("apps.sources.urls")),
    path("", include("apps.kpis.urls")),
]
