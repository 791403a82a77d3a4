"""Browsers of one user, for tests about which sessions survive a change."""

from django.test import Client
from django.urls import reverse

from accounts.models import User


def logged_in(user: User) -> Client:
    """A browser of its own with `user` logged in (checked on the profile page)."""
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("profile:index")).status_code == 200
    return browser


def still_in(browser: Client) -> bool:
    return browser.get(reverse("profile:index")).status_code == 200
