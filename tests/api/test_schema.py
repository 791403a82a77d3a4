"""The OpenAPI 3 schema: valid, warning-free, every operation documented with its request and
response types; the documentation pages load their scripts from our own origin (strict CSP)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

UNSAFE = {"post", "put", "patch"}


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")


def test_every_operation_has_a_summary_and_a_typed_success_response(openapi):
    for path, method, operation in operations(openapi):
        assert operation.get("summary"), (method, path)
        successes = {code: r for code, r in operation["responses"].items() if code < "300"}
        assert len(successes) == 1, (method, path)
        ((code, response),) = successes.items()
        if code == "204":
            continue
        assert "schema" in response["content"]["application/json"], (method, path)


# The actions whose request is the action itself: no body (any field sent is refused).
BODILESS = {
    ("post", "/api/v1/plans/{id}/submit/"),
    ("post", "/api/v1/scoring-runs/"),
}


def test_every_write_documents_its_request_body(openapi):
    without = set()
    for path, method, operation in operations(openapi):
        if method in UNSAFE:
            if "requestBody" not in operation:
                without.add((method, path))
                continue
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body, (method, path)
    assert without == BODILESS


def test_every_operation_documents_its_refusals(openapi):
    for path, method, operation in operations(openapi):
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
        if "{id}" in path:
            assert "404" in operation["responses"], (method, path)


def test_versioned_changes_require_if_match_and_document_412_and_428(openapi):
    versioned = ["/api/v1/plans/{id}/", "/api/v1/plan-sections/{id}/", "/api/v1/contacts/{id}/"]
    versioned += ["/api/v1/objectives/{id}/", "/api/v1/actions/{id}/"]
    for path in versioned:
        for method in ("put", "patch", "delete"):
            operation = openapi["paths"][path].get(method)
            if operation is None:
                continue
            headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
            assert headers["If-Match"]["required"] is True, (method, path)
            assert {"412", "428"} <= set(operation["responses"]), (method, path)


def test_the_token_scheme_is_documented(openapi):
    assert openapi["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token, created on your profile page (/profile/).",
    }


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_the_documentation_pages_have_no_inline_script_and_no_third_party_asset(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert "googleapis" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url


def test_swagger_ui_start_up_script_is_served_as_javascript(client):
    response = client.get(reverse("swagger-ui") + "?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()
