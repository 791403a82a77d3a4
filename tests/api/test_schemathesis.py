"""Schemathesis against the live schema: every operation, as a director and as a KAM.

The schema is read from /api/schema/ of the WSGI application itself, in process, against the
test database holding the API tests' portfolio (tests/api/conftest.py). Each operation gets a
bounded number of generated requests with a fixed seed (derandomized), and every response must
pass the four checks: no server error, a documented status code, a documented content type, a
body matching the documented schema.

The same run from the command line, against a running server (see README.md, "API"):
    schemathesis run http://127.0.0.1:8000/api/schema/ --header "Authorization: Bearer $TOKEN" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

# Examples per operation and role: 71 operations x 2 roles stay within a few minutes on two cores.
EXAMPLES = int(os.environ.get("KAM_SCHEMATHESIS_EXAMPLES", "10"))


@pytest.fixture(autouse=True)
def shared_connection() -> Iterator[None]:
    """Requests share the test's database connection and transaction, as with Django's test
    client: no connection is closed between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded while the tests are collected, from the application itself (no database is read to
# describe the API): one test per operation and role.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Valid requests must be answered as documented, invalid ones (wrong types, out-of-range
# numbers, blank filters, unknown body fields) refused with a documented 4xx.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
# Every check runs. A schema-valid request may still be refused with 400 for what a schema
# cannot say: an id of an object that does not exist or is not yours to use, or a rule across
# fields (a period that ends before it starts). Every other status is as for any check.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx",
    "3xx",
    "400",
    "401",
    "403",
    "404",
    "409",
    "412",
    "428",
]
# A versioned write without its If-Match header is 428 Precondition Required (RFC 6585).
schema.config.checks.missing_required_header.expected_statuses = [
    *schema.config.checks.missing_required_header.expected_statuses,
    "428",
]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def call_as(role: str, case, world) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {world.tokens[role]}"})


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema_as_a_director(case, world):
    call_as("director", case, world)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema_as_a_kam(case, world):
    call_as("own_kam", case, world)
