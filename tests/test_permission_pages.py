"""How pages ask permissions (kam/permissions.py): one decorator for a view, one call for an
object, a service's refusal answered as the 403 page in one place."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from kam import errors
from kam.permissions import PermissionDeniedMiddleware, require, requires
from kam.rules import ADMIN_GROUP
from plans.models import PlanStatus
from tests import factories


@requires("scoring.view_portfolio")
def portfolio_page(request):
    return HttpResponse("portfolio")


def middleware() -> PermissionDeniedMiddleware:
    return PermissionDeniedMiddleware(lambda request: HttpResponse())


def test_a_services_permission_refusal_is_the_403_page(rf: RequestFactory):
    response = middleware().process_exception(rf.get("/"), errors.PermissionDenied("No."))

    assert response.status_code == 403


def test_other_refusals_are_left_to_the_view(rf: RequestFactory):
    assert middleware().process_exception(rf.get("/"), errors.DomainError("No.")) is None
    assert middleware().process_exception(rf.get("/"), ValueError("bug")) is None


def test_requires_sends_anonymous_visitors_to_log_in(rf: RequestFactory):
    request = rf.get("/portfolio/?industry=Chemicals")
    request.user = AnonymousUser()

    response = portfolio_page(request)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/portfolio/%3Findustry%3DChemicals"


def test_requires_refuses_who_lacks_the_permission(rf: RequestFactory, kam):
    request = rf.get("/portfolio/")
    request.user = kam

    with pytest.raises(errors.PermissionDenied):
        portfolio_page(request)


def test_requires_lets_who_holds_it_in(rf: RequestFactory, director):
    request = rf.get("/portfolio/")
    request.user = director

    assert portfolio_page(request).content == b"portfolio"


def test_require_asks_the_rule_on_the_object(kam, other_kam):
    account = factories.KeyAccountFactory(kam=kam)

    require(kam, "accounts.change_contact", account)
    with pytest.raises(errors.PermissionDenied, match="not allowed"):
        require(other_kam, "accounts.change_contact", account)


def test_a_refusal_raised_by_a_service_in_a_page_is_a_403_and_changes_nothing(client, director):
    # The page lets the director post; plan_submit itself refuses (only the plan's KAMs submit).
    plan = factories.PlanFactory(status=PlanStatus.DRAFT)
    client.force_login(director)

    response = client.post(reverse("plans:plan_submit", args=[plan.pk]))

    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


EVERYONE = ["Accounts", "My actions"]
KAM_LINKS = [*EVERYONE, "Scores", "Plans", "Actions", "Commitments"]
DIRECTOR_LINKS = [*KAM_LINKS, "Portfolio", "Scoring runs", "Review packs", "Imports"]
ADMIN_LINKS = [*DIRECTOR_LINKS, "Administration", "Audit log"]


def nav_links(html: str) -> list[str]:
    menu = html.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a class="nav-link[^"]*" href="[^"]*">([^<]+)</a>', menu)


@pytest.mark.parametrize(
    ("make_user", "links"),
    [
        (lambda: factories.UserFactory(username="nobody"), EVERYONE),
        (lambda: factories.KamFactory(username="kam"), KAM_LINKS),
        (lambda: factories.OperationsFactory(username="ops"), [*EVERYONE, "Commitments"]),
        (lambda: factories.DirectorFactory(username="director"), DIRECTOR_LINKS),
        (lambda: factories.UserFactory(username="admin", role=ADMIN_GROUP), ADMIN_LINKS),
        (lambda: factories.AdminFactory(username="root"), ADMIN_LINKS),
    ],
    ids=["no role", "kam", "operations", "director", "administrator", "superuser"],
)
def test_the_navigation_offers_each_role_what_kam_rules_grants_it(client, db, make_user, links):
    client.force_login(make_user())

    html = client.get(reverse("accounts:list")).content.decode()

    assert nav_links(html) == links
