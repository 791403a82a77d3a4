"""Each app registers its import kinds and its models kept by django-simple-history with the
plumbing in kam/ (AppConfig.ready): one the app forgets would be missing from the import pages
or the audit log, so these tests name what the registries must hold."""

from __future__ import annotations

from django.apps import apps

from accounts.audit import kind_choices
from accounts.imports.views import ordered_layouts
from accounts.models import ImportKind
from kam.history import TRACKED
from kam.imports.kinds import KINDS, LAYOUTS


def test_every_import_kind_has_one_registered_kind_and_layout():
    assert sorted(KINDS) == sorted(ImportKind.values)
    assert all(KINDS[name].layout is LAYOUTS[name] for name in ImportKind.values)


def test_the_layouts_page_lists_the_kinds_in_their_declared_order():
    assert [layout.kind for layout in ordered_layouts()] == [
        "customers",
        "sales_lines",
        "activities",
        "cost_rates",
        "contacts",
        "metrics",
        "ratings",
        "spend_estimates",
    ]


def test_every_model_with_history_is_in_the_audit_log_once():
    kept = {
        model
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "plans", "scoring"} and hasattr(model, "history")
    }
    assert sorted(t.model.__name__ for t in TRACKED) == sorted(m.__name__ for m in kept)
    assert [kind for kind, _label in kind_choices()] == [
        "account",
        "contact",
        "plan",
        "action",
        "commitment",
        "opportunity",
        "cost_rate",
        "criterion",
        "health_component",
        "warning_settings",
        "spend_estimate",
        "stage",
        "designation",
    ]
