"""Changing your own password on the profile page: Django's password rules apply, the old
password is asked for, and every other session of the user ends while this one stays."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.browsers import logged_in, still_in

pytestmark = pytest.mark.django_db

OLD = "pw-for-tests-only"  # tests/factories.py UserFactory
NEW = "Quartz-harbour-1987"


def change(browser: Client, old: str, new1: str, new2: str | None = None):
    return browser.post(
        reverse("profile:password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_the_profile_page_offers_the_password_change_with_the_rules():
    page = logged_in(factories.KamFactory(username="lena")).get(reverse("profile:index"))
    html = page.content.decode()

    assert 'action="/profile/password/"' in html
    assert 'autocomplete="current-password"' in html
    # Django's validators explain themselves under the new password, tied to its input.
    assert "at least 8 characters" in html
    assert 'aria-describedby="id_new_password1_helptext"' in html
    assert 'id="id_new_password1_helptext"' in html


def test_changing_the_password_keeps_this_session_and_ends_the_others():
    user = factories.KamFactory(username="lena")
    other_browser = logged_in(user)
    browser = logged_in(user)

    response = change(browser, OLD, NEW)

    assert response.status_code == 302
    assert response["Location"] == reverse("profile:index")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert "Password changed." in browser.get(reverse("profile:index")).content.decode()
    kicked_out = other_browser.get(reverse("profile:index"))
    assert kicked_out.status_code == 302
    assert kicked_out["Location"].startswith(reverse("login"))


def test_the_new_password_logs_in_and_the_old_one_no_longer_does():
    user = factories.KamFactory(username="lena")
    change(logged_in(user), OLD, NEW)

    assert Client().login(username="lena", password=NEW)
    assert not Client().login(username="lena", password=OLD)


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("wrong-old-password", NEW, NEW, "old_password", "Your old password was entered"),
        (OLD, "Sh0rt!", "Sh0rt!", "new_password2", "too short"),
        (OLD, "password123", "password123", "new_password2", "too common"),
        (OLD, "58203947165", "58203947165", "new_password2", "entirely numeric"),
        (OLD, "lena@example", "lena@example", "new_password2", "too similar"),
        (OLD, NEW, NEW + "x", "new_password2", "fields didn"),
    ],
    ids=["wrong-old", "short", "common", "numeric", "like-username", "mismatch"],
)
def test_a_refused_password_change_says_why_and_changes_nothing(old, new1, new2, field, message):
    user = factories.KamFactory(username="lena")
    other_browser = logged_in(user)
    browser = logged_in(user)

    response = change(browser, old, new1, new2)

    assert response.status_code == 200
    errors = response.context["password_form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message in response.content.decode().replace("&#x27;", "'")
    user.refresh_from_db()
    assert user.check_password(OLD)
    assert still_in(other_browser)


def test_the_password_change_takes_a_post_only_and_from_a_logged_in_user():
    user = factories.KamFactory(username="lena")

    anonymous = Client().post(reverse("profile:password_change"), {"old_password": OLD})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert logged_in(user).get(reverse("profile:password_change")).status_code == 405
