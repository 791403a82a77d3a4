"""The API's filter backend (DEFAULT_FILTER_BACKENDS), apart from kam.api: DRF imports it while
it is still loading its views, so it may import nothing of DRF's views."""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import get_manager, get_view_model
from rest_framework import exceptions

BOOLEAN_WORDS = {"true": True, "false": False}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, without its silences: a query parameter sent blank (`?review_before=`,
    `?ordering=`) or a yes/no filter sent as anything but `true` or `false` (`?unread=null`) is
    a 400 naming it, instead of the unfiltered list a client would take for the filtered one."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        errors: dict[str, list[str]] = {}
        filterset_class = self.get_filterset_class(view, queryset)
        declared = filterset_class.base_filters if filterset_class is not None else {}
        for name, values in request.query_params.lists():
            for value in values:
                if not value.strip():
                    errors[name] = ["May not be blank: leave the parameter out instead."]
                elif isinstance(declared.get(name), django_filters.BooleanFilter) and (
                    value.lower() not in BOOLEAN_WORDS
                ):
                    errors[name] = ["Must be true or false."]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


class StrictFilterSchema(DjangoFilterExtension):
    """The schema of a StrictFilterBackend's parameters: drf-spectacular's, plus the length a
    text filter accepts (`CharFilter(max_length=2)` answers 400 beyond it)."""

    target_class = "kam.filtering.StrictFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema: Any, *args: Any, **kwargs: Any) -> Any:
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        model = get_view_model(auto_schema.view)  # as drf-spectacular's own extension finds it
        if model is None:
            return parameters
        filterset_class = self.target.get_filterset_class(
            auto_schema.view, get_manager(model).none()
        )
        filters = filterset_class.base_filters if filterset_class else {}
        for parameter in parameters:
            declared = filters.get(parameter["name"])
            limit = declared.extra.get("max_length") if declared is not None else None
            if limit and parameter.get("schema", {}).get("type") == "string":
                parameter["schema"]["maxLength"] = limit
        return parameters
