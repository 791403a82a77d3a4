from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

import accounts.audit_views
import accounts.imports.urls
import accounts.urls
import plans.urls
import scoring.urls
from kam import health, views
from kam.api import not_found as api_not_found
from kam.router import build_router

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/",
        include(
            (
                [*accounts.urls.urlpatterns, *scoring.urls.account_urlpatterns],
                accounts.urls.app_name,
            )
        ),
    ),
    path("audit/", accounts.audit_views.audit_log, name="audit"),
    path(
        "plans/",
        include(([*plans.urls.urlpatterns, *scoring.urls.plan_urlpatterns], plans.urls.app_name)),
    ),
    path("shared/", include("plans.shared_urls")),
    path("scoring/", include("scoring.urls")),
    path("portfolio/", include("scoring.portfolio.urls")),
    path(
        "imports/",
        include(
            (
                [*accounts.imports.urls.urlpatterns, *scoring.urls.import_urlpatterns],
                accounts.imports.urls.app_name,
            )
        ),
    ),
    path("profile/", include("accounts.profile_views", namespace="profile")),
    path("api/v1/", include((build_router().urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline one.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
