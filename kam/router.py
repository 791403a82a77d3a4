"""The API router: every app's viewsets under /api/v1/ (project wiring, above the apps)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from accounts.api.views import register as register_accounts
from plans.api.views import register as register_plans
from scoring.api.views import register as register_scoring


def build_router() -> DefaultRouter:
    """Every app's viewsets, under one router: the permission matrix test walks this list."""
    router = DefaultRouter(trailing_slash=True)
    router.include_root_view = False
    for register in (register_accounts, register_plans, register_scoring):
        register(router)
    return router
