from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("plans/", include("plans.urls")),
    path("scoring/", include("scoring.urls")),
    path("portfolio/", include("scoring.portfolio_urls")),
    path("imports/", include("accounts.imports.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
