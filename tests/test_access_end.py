"""Ending someone's way in: "log out everywhere" can revoke the user's API tokens too, and an
administrator who deactivates a user ends their sessions and tokens at once, so reactivating
the account revives neither."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.api.tokens import api_token_create
from accounts.models import ApiToken, User
from tests import factories
from tests.browsers import logged_in, still_in

pytestmark = pytest.mark.django_db


def api_status(raw: str) -> int:
    return Client().get(reverse("api:account-list"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_log_out_everywhere_offers_to_revoke_the_tokens_too(client):
    user = factories.KamFactory(username="lena")
    _token, raw = api_token_create(user=user, name="CRM sync")
    client.force_login(user)

    page = client.get(reverse("profile:index")).content.decode()
    assert "Also revoke my 1 active API token " in page

    client.post(reverse("profile:logout_elsewhere"))
    assert api_status(raw) == 200  # not asked: the tokens stay

    response = client.post(
        reverse("profile:logout_elsewhere"), {"revoke_tokens": "on"}, follow=True
    )

    assert "1 API token revoked: they no longer work." in response.content.decode()
    assert api_status(raw) == 401
    assert still_in(client)
    assert "Also revoke my" not in client.get(reverse("profile:index")).content.decode()


def test_deactivating_a_user_in_the_admin_ends_sessions_and_tokens_at_once(client):
    user = factories.KamFactory(username="lena")
    _token, raw = api_token_create(user=user, name="BI export")
    browser = logged_in(user)
    admin_user = factories.AdminFactory(username="root")
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": user.username,
            "is_active": "",
            "groups": [group.pk for group in user.groups.all()],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("is_active")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("user_permissions", None)
    data.pop("password", None)

    response = client.post(url, data, follow=True)

    assert "every session ended and 1 API token revoked" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    # Reactivated, the account starts afresh: the old session and token stay dead.
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert not still_in(browser)
    assert api_status(raw) == 401
    assert ApiToken.objects.get(user=user).revoked_at is not None


def test_the_admin_action_deactivates_many_but_never_the_administrator_themself(client):
    users = [factories.KamFactory(username=f"kam{n}") for n in range(2)]
    raws = [api_token_create(user=user, name="sync")[1] for user in users]
    browsers = [logged_in(user) for user in users]
    admin_user = factories.AdminFactory(username="root")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [u.pk for u in [*users, admin_user]]},
        follow=True,
    )

    assert "2 users deactivated: every session ended and 2 API tokens revoked." in (
        response.content.decode()
    )
    assert not User.objects.filter(pk__in=[u.pk for u in users], is_active=True).exists()
    User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=True)
    assert not any(still_in(browser) for browser in browsers)
    assert all(api_status(raw) == 401 for raw in raws)
    admin_user.refresh_from_db()
    assert admin_user.is_active
