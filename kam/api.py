"""REST API wiring shared by every app's `api/` package (DRF + drf-spectacular).

- Authentication: personal API tokens (`Authorization: Bearer <token>`) and the browser session.
- Authorisation: `RulesPermission` asks kam/rules.py (`user.has_perm(perm, obj)`) for the
  viewset's declared permission of each action; lists are the `visible_to` querysets, so a
  list never holds an object its detail would refuse (that answers 404, as a missing one).
- Errors: one exception handler maps the domain errors (kam.errors) to 400/403/404/412, work
  already under way (a scoring run in progress) to 409, in DRF's usual `{"detail": ...}` or
  field-error shape.
- Optimistic concurrency: versioned objects answer with an `ETag`; PUT/PATCH/DELETE need a
  matching `If-Match` (428 without one, 412 when stale).
- Strict input: unknown fields are refused (400), never silently dropped.
- Pagination: a cursor on the large collections, page numbers with a maximum elsewhere; a
  page or page size out of bounds, and a filter sent blank, is a 400, never ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kam import errors
from kam.filtering import StrictFilterBackend

# Authentication (the class is accounts.api.authentication.ApiTokenAuthentication) ----------


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on your profile page (/profile/).",
        }


# Errors -----------------------------------------------------------------------------------


class DomainRefused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The change was refused."
    default_code = "refused"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: read it again and reapply."
    default_code = "stale"

    def __init__(self, detail: str | None = None, *, etag: str | None = None) -> None:
        super().__init__(detail)
        self.etag = etag


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send the object's ETag in an If-Match header to change it."
    default_code = "precondition_required"


def _field_errors(errors_by_field: Mapping[str, Any]) -> dict[str, Any]:
    """Form-style errors ({"__all__": [...]}) in DRF's shape ({"non_field_errors": [...]})."""
    return {
        ("non_field_errors" if name in ("__all__", None) else name): messages
        for name, messages in errors_by_field.items()
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to HTTP answers, then let DRF render them in its usual shape."""
    if isinstance(exc, errors.Busy):
        exc = Conflict(str(exc))
    elif isinstance(exc, errors.ConflictError):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, errors.PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, errors.Gone):
        exc = exceptions.NotFound(str(exc))
    elif isinstance(exc, errors.DomainError):
        field_errors = getattr(exc, "errors", None)
        if isinstance(field_errors, Mapping) and field_errors:
            exc = exceptions.ValidationError(_field_errors(field_errors))
        else:
            exc = DomainRefused(str(exc))
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(_field_errors(exc.message_dict))
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is not None and getattr(exc, "etag", None):
        response["ETag"] = exc.etag
    return response


# Optimistic concurrency -------------------------------------------------------------------


def etag_of(obj: Any) -> str:
    """A strong ETag naming the object and its version, e.g. "plan-12-v7"."""
    return f'"{obj._meta.model_name}-{obj.pk}-v{obj.version}"'


def expected_version(request: Any, obj: Any) -> int:
    """The version the client last read, from If-Match: 428 without one, 412 when it is not
    the object's current ETag. The service compares it again where it writes (one guarded
    UPDATE), which catches a change made between this check and the write."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    current = etag_of(obj)
    # A weak validator names the same version here; "*" is refused: it would skip the check.
    offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if current not in offered:
        raise PreconditionFailed(
            "The object changed since you read it (or the If-Match does not name it): "
            "read it again and reapply your change.",
            etag=current,
        )
    return obj.version


def with_etag(response: Response, obj: Any) -> Response:
    response["ETag"] = etag_of(obj)
    return response


# Input ------------------------------------------------------------------------------------


# The JSON types each kind of field takes, as the schema documents them: DRF would also read
# 5 as "5" for a text field and "5" as 5 for a number, which a client's bug then hides.
JSON_TYPES: tuple[tuple[type, tuple[type, ...], str], ...] = (
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "a whole number"),
    (serializers.PrimaryKeyRelatedField, (int,), "an id (a whole number)"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.DecimalField, (int, float, str), "a number"),
    (serializers.CharField, (str,), "text"),
    (serializers.ChoiceField, (str,), "one of the listed values"),
    (serializers.DateField, (str,), "a date (YYYY-MM-DD)"),
    (serializers.DateTimeField, (str,), "a date and time (ISO 8601)"),
)


def _type_error(field: serializers.Field, value: Any) -> str | None:
    for kind, types, wanted in JSON_TYPES:
        if isinstance(field, kind):
            wrong = isinstance(value, bool) and bool not in types
            if wrong or not isinstance(value, types):
                return f"Must be {wanted}."
            return None
    return None


class StrictFieldsMixin:
    """Refuse keys the serializer does not know (a typo must not be silently dropped) and
    values of another JSON type than the field's (no silent conversion)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            wrong = {
                name: [message]
                for name, field in self.fields.items()
                if name in data
                and data[name] is not None
                and not field.read_only
                and (message := _type_error(field, data[name]))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """Base for request bodies that are not a model's fields (actions, bulk writes)."""


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Base for model representations that also validate a write's input."""


class ScopedCreateMixin:
    """A create body whose parent (account, plan, commitment) must be one the user sees:
    the view passes that queryset, so an invisible parent is "does not exist" (400)."""

    parent_field: str

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields[self.parent_field].queryset = parents


class EmptySerializer(StrictSerializer):
    """No fields: the action itself is the request (any field sent is refused)."""


# The largest id a bigint primary key holds: larger ones are refused as input (400).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """Filter on an id: a whole number from 1 to MAX_ID, anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, read in UTC. Python accepts offsets up to +-23:59, PostgreSQL
    only up to +-15:59, so the value is converted before it reaches the database; one that
    leaves the calendar in UTC (year 1 or 9999 with an offset) is refused (400)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise DjangoValidationError(
                "The date and time is out of range once read in UTC.", code="invalid"
            ) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Filter on an ISO 8601 date-time with any offset PostgreSQL cannot take read in UTC."""

    field_class = UtcDateTimeField


# Pagination -------------------------------------------------------------------------------


def _whole_number(request: Any, name: str, maximum: int) -> int | None:
    """The query parameter `name` as a whole number from 1 to `maximum`; None when absent. Any
    other value is a 400 naming the parameter: a page size of -5 or "abc" is not ignored."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise exceptions.ValidationError({name: [f"A whole number from 1 to {maximum}."]})
    return int(raw)


def _bounded(parameters: list[dict[str, Any]], bounds: dict[str, int]) -> list[dict[str, Any]]:
    """The schema of the pagination parameters with the bounds the API enforces."""
    for parameter in parameters:
        if (maximum := bounds.get(parameter["name"])) is not None:
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": maximum}
    return parameters


class PageNumberPage(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Pages beyond the last are a 404 ("Invalid page"); below 1 or not a number, a 400.
    max_page_number = 2**31 - 1

    def get_page_size(self, request: Any) -> int:
        size = _whole_number(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_page_number(self, request: Any, paginator: Any) -> int:
        number = _whole_number(request, self.page_query_param, self.max_page_number)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _bounded(
            super().get_schema_operation_parameters(view),
            {
                self.page_query_param: self.max_page_number,
                self.page_size_query_param: self.max_page_size,
            },
        )


class CursorPage(CursorPagination):
    """For the large collections (accounts, sales lines, activities): a page costs the same at
    row 10 as at row 1,000,000 because it seeks on an indexed unique key, never OFFSET."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "id"

    def get_page_size(self, request: Any) -> int:
        size = _whole_number(request, self.page_size_query_param, self.max_page_size)
        return self.page_size if size is None else size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _bounded(
            super().get_schema_operation_parameters(view),
            {self.page_size_query_param: self.max_page_size},
        )


# Ordering ---------------------------------------------------------------------------------

UNIQUE_KEYS = {"pk", "id"}


def unique_ordering(ordering: list[str] | tuple[str, ...]) -> list[str]:
    """`ordering` (field names, "-" for descending) ended by the primary key unless it already
    holds it: rows that tie on the asked fields keep one order."""
    terms = list(ordering)
    if not any(term.lstrip("-") in UNIQUE_KEYS for term in terms):
        terms.append("pk")
    return terms


class UniqueOrderingFilter(OrderingFilter):
    """`?ordering=` as DRF reads it (one of the view's `ordering_fields`), always ended by the
    primary key, so numbered and cursor pages never repeat or skip a row whose sort value
    ties with another's. Without `?ordering=` the view's queryset keeps its own order, which
    ends with a unique key too (tests/api/test_pagination.py pages through every list)."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> list[str] | None:
        ordering = super().get_ordering(request, queryset, view)
        return unique_ordering(ordering) if ordering else ordering


# Authorisation ----------------------------------------------------------------------------


class RulesPermission(BasePermission):
    """Asks the rules module for the permission the viewset declares for the current action.

    `global_perms` ({action: perm}) are checked without an object before anything is read;
    `object_perms` ({action: perm}) on the object, after the visible queryset found it. An
    action without an entry needs no more than being authenticated and seeing the object."""

    def has_permission(self, request: Any, view: Any) -> bool:
        perm = getattr(view, "global_perms", {}).get(view.action)
        return perm is None or request.user.has_perm(perm)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        perm = getattr(view, "object_perms", {}).get(view.action)
        return perm is None or request.user.has_perm(perm, obj)


class KamViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: authenticated, the rules module per action, no writes by
    default. Subclasses set `get_queryset` from a `visible_to` queryset, `global_perms` and
    `object_perms`, and write through services."""

    permission_classes = [IsAuthenticated, RulesPermission]
    # Any path segment reaches the view, so a malformed id is a JSON 404 from the API (the
    # object lookup rejects it) rather than the site's HTML "page not found".
    lookup_value_regex = "[^/]+"
    # Set here, not in settings: DRF imports its default pagination class and filter backends
    # while loading itself. Search is each FilterSet's validated `q`, never a raw parameter.
    pagination_class = PageNumberPage
    filter_backends = [StrictFilterBackend, UniqueOrderingFilter]
    global_perms: dict[str, str] = {}
    object_perms: dict[str, str] = {}
    # Versioned objects (plans, sections, contacts, objectives, actions) carry ETags and need
    # If-Match to change.
    versioned = False
    # Answers an action can give beyond the usual ones (see KamAutoSchema.error_codes).
    extra_error_codes: dict[str, list[str]] = {}

    def is_schema_generation(self) -> bool:
        """drf-spectacular inspects viewsets with a fake request: no database reads then."""
        return getattr(self, "swagger_fake_view", False)


class ReadOnlyKamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, KamViewSet):
    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        response = Response(self.get_serializer(obj).data)
        return with_etag(response, obj) if self.versioned else response


class VersionedUpdateMixin:
    """PUT and PATCH of a versioned object: visible (404), allowed (403, the view's
    `object_perms`), If-Match current (428/412), body valid (400), then the service, which
    checks the version again where it writes. Subclasses give the body's serializer and the
    service call."""

    update_serializer_class: type[serializers.Serializer]

    def versioned_update(self, obj: Any, version: int, fields: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=False)

    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=True)

    def _update(self, request: Any, *, partial: bool) -> Response:
        obj = self.get_object()
        version = expected_version(request, obj)
        body = self.update_serializer_class(obj, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        obj = self.versioned_update(obj, version, body.validated_data)
        return with_etag(Response(self.get_serializer(obj).data), obj)


class VersionedDestroyMixin:
    """DELETE of a versioned object: the same checks as an update, then the service."""

    def versioned_delete(self, obj: Any, version: int) -> None:
        raise NotImplementedError

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.versioned_delete(obj, expected_version(request, obj))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Schema -----------------------------------------------------------------------------------


def versioned_schema(
    *,
    noun: str,
    listed: str,
    read: type[serializers.Serializer],
    update_body: type[serializers.Serializer],
    create: str = "",
    create_body: type[serializers.Serializer] | None = None,
    destroy: str = "",
    deletable: bool = True,
) -> Any:
    """The OpenAPI summaries of a versioned resource (ETag on read, If-Match on change):
    `@versioned_schema(noun="objective", listed="Objectives of ...", ...)` on its viewset
    (`deletable=False` for one without a delete)."""
    article = "an" if noun[0] in "aeiou" else "a"
    views = {
        "list": extend_schema(summary=listed),
        "retrieve": extend_schema(summary=f"One {noun}, with its ETag"),
        "update": extend_schema(
            summary=f"Change {article} {noun} (If-Match: its ETag)",
            request=update_body,
            responses=read,
        ),
        "partial_update": extend_schema(
            summary=f"Change some of {article} {noun}'s fields (If-Match: its ETag)",
            request=update_body,
            responses=read,
        ),
        "destroy": extend_schema(
            summary=destroy or f"Remove {article} {noun} (If-Match: its ETag)"
        ),
    }
    if create:
        views["create"] = extend_schema(summary=create, request=create_body, responses={201: read})
    if not deletable:
        del views["destroy"]
    return extend_schema_view(**views)


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field name -> messages, `non_field_errors`, or `detail`.",
    "additionalProperties": {},
}
ERROR_DESCRIPTIONS = {
    "400": ("Invalid input: field-level messages", VALIDATION_ERROR_SCHEMA),
    "401": ("Not authenticated", ERROR_SCHEMA),
    "403": ("Authenticated, but the rules do not allow this", ERROR_SCHEMA),
    "404": ("Not found, or not visible to you", ERROR_SCHEMA),
    "409": ("A scoring run is already in progress", ERROR_SCHEMA),
    "412": ("Stale If-Match: the object changed since you read it", ERROR_SCHEMA),
    "428": ("If-Match required: send the ETag you read", ERROR_SCHEMA),
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class KamAutoSchema(AutoSchema):
    """Documents every answer an operation can give, not just its success: the checks of
    schemathesis (status code and response schema conformance) hold the API to it."""

    def _versioned_write(self) -> bool:
        return getattr(self.view, "versioned", False) and self.method in {"PUT", "PATCH", "DELETE"}

    def _has_path_id(self) -> bool:
        return "{" in self.path

    def error_codes(self) -> list[str]:
        codes = ["401", "403"]
        is_list = self.method == "GET" and self._is_list_view()
        if self.method in UNSAFE or is_list:
            codes.append("400")
        if self._has_path_id() or is_list:
            codes.append("404")  # a missing or invisible object; an invalid page or cursor
        if self._versioned_write():
            codes += ["412", "428"]
        codes += getattr(self.view, "extra_error_codes", {}).get(self.view.action, [])
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            description, schema = ERROR_DESCRIPTIONS[code]
            responses.setdefault(
                code,
                {"description": description, "content": {"application/json": {"schema": schema}}},
            )
        return responses

    def _map_serializer_field(self, field: Any, direction: str, *args: Any, **kwargs: Any) -> Any:
        schema = super()._map_serializer_field(field, direction, *args, **kwargs)
        if isinstance(field, serializers.ListSerializer):
            if field.min_length is not None:
                schema["minItems"] = field.min_length
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._versioned_write():
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag of the version you read (412 if stale, 428 if absent).",
                )
            )
        versioned_read = self.method in {"GET", "PUT", "PATCH"} and self._has_path_id()
        if getattr(self.view, "versioned", False) and versioned_read:
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    response=[200],
                    description="The version of the object, for If-Match.",
                )
            )
        return parameters


def schema_says_what_the_api_enforces(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing: the document describes input as the API checks it.

    - Request bodies have no properties but their own (the serializers refuse unknown fields).
    - A decimal is sent as a JSON number or as a string (DRF reads both; answers are strings).
    - Path ids are whole numbers from 1 to MAX_ID (0 or less is never an object).
    - A query parameter is never blank."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request") or component.get("type") != "object":
            continue
        component["additionalProperties"] = False
        for field, schema in component.get("properties", {}).items():
            if schema.get("type") == "string" and schema.get("format") == "decimal":
                number = {"type": "number"}
                for bound in ("minimum", "maximum"):
                    if bound in schema:
                        number[bound] = float(schema[bound])
                text = {key: value for key, value in schema.items() if key != "nullable"}
                option = {"anyOf": [number, text]}
                if schema.get("nullable"):
                    option["nullable"] = True
                component["properties"][field] = option
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and parameter.get("name") == "id":
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                elif parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)  # blank is refused (kam.filtering)
    return result


def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/: a JSON 404 in DRF's error shape, never the HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)
