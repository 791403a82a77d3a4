import logging

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 1


@pytest.mark.django_db
def test_login_locks_out_after_repeated_failures(client, axes_on):
    factories.KamFactory(username="lena")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "lena", "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    # Even the right password is refused while the lockout lasts.
    response = client.post(reverse("login"), {"username": "lena", "password": "pw-for-tests-only"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_right_password_logs_in_below_the_limit(client, axes_on):
    factories.KamFactory(username="lena")
    client.post(reverse("login"), {"username": "lena", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "lena", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    content = client.get(reverse("login")).content.decode()
    for chunk in content.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), "inline <script> would break the CSP"


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_logs_it(client, caplog):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id with spaces\n")
    assert response["X-Request-ID"] != "bad id with spaces\n"
    assert len(response["X-Request-ID"]) == 32
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-404")
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == "trace-404"


@pytest.mark.django_db
def test_changing_session_generation_ends_other_sessions(client):
    user = factories.KamFactory(username="lena")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 302
    user.session_generation += 1
    user.save(update_fields=["session_generation"])
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_log_out_everywhere_else_ends_other_sessions_but_keeps_this_one(client):
    from django.test import Client

    user = factories.KamFactory(username="lena")
    other_browser = Client()
    other_browser.force_login(user)
    client.force_login(user)
    assert other_browser.get(reverse("profile:index")).status_code == 200

    response = client.post(reverse("profile:logout_elsewhere"))

    assert response.status_code == 302
    assert client.get(reverse("profile:index")).status_code == 200
    kicked_out = other_browser.get(reverse("profile:index"))
    assert kicked_out.status_code == 302
    assert kicked_out["Location"].startswith(reverse("login"))
