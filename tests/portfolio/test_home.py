"""Directors land on the dashboard (tests/test_home.py covers the other roles)."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("role", ["director", "admin_user"])
def test_directors_and_admins_start_on_the_portfolio_dashboard(client, db, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse("portfolio:dashboard")
