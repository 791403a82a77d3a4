"""Personal API tokens: created and revoked on the profile page, shown once, stored only as a
SHA-256 digest and a prefix; session authentication for the browser keeps its CSRF check."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api.tokens import MAX_ACTIVE_TOKENS, api_token_create, api_token_user
from accounts.models import ApiToken
from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def kam_user(db):
    return factories.KamFactory(username="token-kam")


def test_a_token_is_stored_as_its_sha256_and_prefix_only(kam_user):
    token, raw = api_token_create(user=kam_user, name="BI export")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert stored["prefix"] == raw[:12]
    assert raw not in [str(value) for value in stored.values()]
    assert raw.startswith("kam_") and len(raw) > 40


def test_the_profile_page_shows_a_new_token_once(client, kam_user):
    client.force_login(kam_user)
    created = client.post(reverse("profile:index"), {"name": "CRM sync"})
    assert created.status_code == 200
    assert created["Cache-Control"].startswith("max-age=0")
    raw = created.context["new_token"]
    assert raw in created.content.decode()
    later = client.get(reverse("profile:index"))
    assert raw not in later.content.decode()
    assert "CRM sync" in later.content.decode()
    assert client_for(raw).get(reverse("api:account-list")).status_code == 200


def test_a_token_needs_a_name(client, kam_user):
    client.force_login(kam_user)
    response = client.post(reverse("profile:index"), {"name": "   "})
    assert response.context["new_token"] is None
    assert ApiToken.objects.count() == 0


def test_active_tokens_are_limited(kam_user):
    for number in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=kam_user, name=f"t{number}")
    from kam.errors import DomainError

    with pytest.raises(DomainError):
        api_token_create(user=kam_user, name="one too many")


def test_revoking_on_the_profile_page_stops_the_token(client, kam_user):
    token, raw = api_token_create(user=kam_user, name="Old script")
    client.force_login(kam_user)
    response = client.post(reverse("profile:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_for(raw).get(reverse("api:account-list")).status_code == 401


def test_nobody_revokes_someone_elses_token(client, kam_user):
    token, _ = api_token_create(user=kam_user, name="Mine")
    client.force_login(factories.KamFactory(username="intruder"))
    assert client.post(reverse("profile:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_profile_page_needs_a_login(client):
    response = client.get(reverse("profile:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_links_to_the_profile(client, kam_user):
    client.force_login(kam_user)
    page = client.get(reverse("accounts:list")).content.decode()
    assert f'href="{reverse("profile:index")}">Profile</a>' in page


def test_an_inactive_users_token_does_not_authenticate(kam_user):
    _, raw = api_token_create(user=kam_user, name="t")
    kam_user.is_active = False
    kam_user.save()
    assert client_for(raw).get(reverse("api:account-list")).status_code == 401


def test_an_unknown_token_is_401_with_a_challenge(db):
    response = client_for("kam_not-a-token").get(reverse("api:account-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_last_use_is_written_at_most_once_a_minute(kam_user, django_assert_num_queries):
    token, raw = api_token_create(user=kam_user, name="t")
    now = timezone.now()
    with django_assert_num_queries(2):  # read, then record the first use
        api_token_user(raw, now=now)
    with django_assert_num_queries(1):  # 30 s later: read only
        api_token_user(raw, now=now + dt.timedelta(seconds=30))
    with django_assert_num_queries(2):  # a minute later: read and record
        api_token_user(raw, now=now + dt.timedelta(seconds=60))
    token.refresh_from_db()
    assert token.last_used_at == now + dt.timedelta(seconds=60)


def test_the_browser_session_reads_the_api_and_must_send_csrf_to_write(db):
    kam = factories.KamFactory(username="browser-kam")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(kam)
    assert client.get(reverse("api:account-list")).status_code == 200
    response = client.post(reverse("api:notification-mark-read"), {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_administrator_revokes_a_leaked_token_in_the_admin(client, kam_user):
    token, raw = api_token_create(user=kam_user, name="Leaked")
    client.force_login(factories.AdminFactory(username="root"))
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_for(raw).get(reverse("api:account-list")).status_code == 401
