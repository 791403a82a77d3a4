"""Home, log in and log out."""

import pytest
from django.urls import reverse

HOME = reverse("home")


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={HOME}"


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("kam", "accounts:list"),
        ("operations", "plans:board"),
        ("director", "portfolio:dashboard"),
        ("admin_user", "portfolio:dashboard"),
    ],
)
def test_each_role_starts_on_its_own_home_page(client, db, request, role, start):
    client.force_login(request.getfixturevalue(role))

    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url == reverse(start)


def test_login_page_has_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()

    assert '<label class="form-label" for="id_username">Username</label>' in html
    assert '<label class="form-label" for="id_password">Password</label>' in html


def test_logging_in_lands_on_home_and_logging_out_returns_to_login(client, kam):
    logged_in = client.post(reverse("login"), {"username": "kam", "password": "pw-for-tests-only"})
    assert logged_in.status_code == 302
    assert logged_in.url == HOME
    assert client.get(reverse("accounts:list")).status_code == 200

    logged_out = client.post(reverse("logout"))

    assert logged_out.url == reverse("login")
    assert client.get(reverse("accounts:list")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, kam):
    response = client.post(reverse("login"), {"username": "kam", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
