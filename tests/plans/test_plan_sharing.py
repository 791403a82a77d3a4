"""The plan shared with the customer: the KAM makes a personal link for a DMU contact (the
token stored only as a digest), the customer reads only what was selected, acknowledges or
comments (the KAM is notified, the history keeps it), every opening is logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone

from kam.errors import InvalidInput, PermissionDenied
from plans.models import (
    Notification,
    ObjectiveMetric,
    PlanShare,
    PlanShareOpening,
    PlanShareResponse,
    SectionKind,
)
from plans.services import sharing
from tests import factories


@pytest.fixture(autouse=True)
def no_misses_counted():
    from django.core.cache import cache

    from plans.shared_views import miss_key

    cache.delete(miss_key("127.0.0.1"))


@pytest.fixture
def world(kam):
    account = factories.KeyAccountFactory(kam=kam, name="Hollander Pumps")
    plan = factories.PlanFactory(account=account, title="Hollander plan")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.POSITION, body="Their position X")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.NEEDS, body="Their needs Y")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.WEAKNESSES, body="Our weakness Z")
    shown = factories.ActionFactory(plan=plan, title="Joint kaizen week")
    hidden = factories.ActionFactory(plan=plan, title="Hidden action Q")
    objective = factories.ObjectiveFactory(plan=plan, description="Grow with Hollander")
    profit = factories.ObjectiveFactory(
        plan=plan, metric=ObjectiveMetric.PROFIT, description="Profit objective P"
    )
    commitment = factories.CommitmentFactory(account=account, plan=plan, promise="OTIF 98")
    contact = factories.ContactFactory(account=account, name="Mara Hollander")
    return {
        "plan": plan,
        "kam": kam,
        "shown": shown,
        "hidden": hidden,
        "objective": objective,
        "profit": profit,
        "commitment": commitment,
        "contact": contact,
    }


def make_share(world, **changes):
    fields = {
        "plan": world["plan"],
        "contact": world["contact"],
        "actor": world["kam"],
        "sections": [SectionKind.POSITION],
        "objective_ids": [world["objective"].pk],
        "action_ids": [world["shown"].pk],
        "commitment_ids": [world["commitment"].pk],
        **changes,
    }
    return sharing.share_create(**fields)


def test_the_token_is_stored_only_as_its_digest_and_expires_in_30_days(world):
    share, raw = make_share(world)
    assert len(raw) >= 40
    assert share.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(PlanShare.objects.filter(pk=share.pk).values()))
    days = (share.expires_at - share.created_at).days
    assert days == 30
    assert sharing.share_for_token(raw) == share
    assert sharing.share_for_token(raw + "x") is None


def test_only_customer_facing_parts_of_this_plan_can_be_shared(world):
    other_plan_action = factories.ActionFactory()
    for changes, field in (
        ({"sections": [SectionKind.WEAKNESSES]}, "sections"),
        ({"objective_ids": [world["profit"].pk]}, "objectives"),
        ({"action_ids": [other_plan_action.pk]}, "actions"),
        ({"contact": factories.ContactFactory()}, "contact"),
        ({"days": 0}, "days"),
        ({"days": 91}, "days"),
    ):
        with pytest.raises(InvalidInput) as refused:
            make_share(world, **changes)
        assert field in refused.value.errors, changes
    with pytest.raises(InvalidInput):
        make_share(world, sections=[], objective_ids=[], action_ids=[], commitment_ids=[])


def test_only_the_accounts_kams_share(world, other_kam, director):
    for outsider in (other_kam, director):
        with pytest.raises(PermissionDenied):
            make_share(world, actor=outsider)


def test_the_shared_page_shows_only_what_was_selected_and_logs_the_opening(client, world):
    _, raw = make_share(world)
    response = client.get(f"/shared/{raw}/")
    assert response.status_code == 200
    page = response.content.decode()
    for shown in ("Their position X", "Joint kaizen week", "Grow with Hollander", "OTIF 98"):
        assert shown in page, shown
    for hidden in ("Their needs Y", "Our weakness Z", "Hidden action Q", "Profit objective P"):
        assert hidden not in page, hidden
    opening = PlanShareOpening.objects.get()
    assert opening.share.contact == world["contact"]
    assert abs(opening.opened_at - timezone.now()) < dt.timedelta(minutes=1)
    # No navigation and no link into the app: the only links are the page's own forms.
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert all(href.startswith("/static/") for href in hrefs), hrefs
    actions = re.findall(r'action="([^"]+)"', page)
    assert actions and all(a.startswith(f"/shared/{raw}/actions/") for a in actions)
    assert "<script" not in page


def test_a_comment_notifies_the_kam_and_is_kept_in_the_history(client, world, kam):
    _, raw = make_share(world)
    action = world["shown"]
    response = client.post(
        f"/shared/{raw}/actions/{action.pk}/", {"kind": "comment", "body": "Week 12 suits us"}
    )
    assert response.status_code == 302
    assert response.url == f"/shared/{raw}/?sent=1#action-{action.pk}"
    assert PlanShareResponse.objects.get().body == "Week 12 suits us"
    notification = Notification.objects.get(recipient=kam)
    assert "Mara Hollander commented on" in notification.subject
    assert notification.body == "Week 12 suits us"
    client.force_login(kam)
    history = client.get(f"/accounts/{world['plan'].account_id}/history/").content.decode()
    assert "Week 12 suits us" in history
    assert "Mara Hollander (customer)" in history
    assert "shared with Mara Hollander" in history
    shares = client.get(f"/plans/{world['plan'].pk}/shares/").content.decode()
    assert "Week 12 suits us" in shares


def test_acknowledging_twice_records_it_once(client, world, kam):
    _, raw = make_share(world)
    url = f"/shared/{raw}/actions/{world['shown'].pk}/"
    client.post(url, {"kind": "ack"})
    client.post(url, {"kind": "ack"})
    assert PlanShareResponse.objects.count() == 1
    assert Notification.objects.filter(recipient=kam).count() == 1
    assert "You acknowledged this action." in client.get(f"/shared/{raw}/").content.decode()


def test_an_action_not_shared_cannot_be_answered_and_long_comments_are_refused(client, world):
    _, raw = make_share(world)
    hidden = client.post(f"/shared/{raw}/actions/{world['hidden'].pk}/", {"kind": "ack"})
    assert hidden.status_code == 400
    assert "Hidden action Q" not in hidden.content.decode()
    too_long = client.post(
        f"/shared/{raw}/actions/{world['shown'].pk}/", {"kind": "comment", "body": "x" * 2001}
    )
    assert too_long.status_code == 400
    empty = client.post(f"/shared/{raw}/actions/{world['shown'].pk}/", {"kind": "comment"})
    assert empty.status_code == 400
    assert PlanShareResponse.objects.count() == 0


def test_the_kam_makes_a_link_on_the_page_and_sees_it_once(client, world, kam):
    client.force_login(kam)
    url = f"/plans/{world['plan'].pk}/shares/"
    assert "Share with the customer" in client.get(f"/plans/{world['plan'].pk}/").content.decode()
    response = client.post(
        url,
        {
            "contact": world["contact"].pk,
            "sections": [SectionKind.POSITION],
            "actions": [world["shown"].pk],
            "days": 30,
        },
    )
    assert response.status_code == 200
    link = re.search(r'value="(http://testserver/shared/[^"]+/)"', response.content.decode())
    assert link, "the new link is shown"
    assert "no-store" in response["Cache-Control"]
    again = client.get(url).content.decode()
    assert link.group(1) not in again
    client.logout()
    assert client.get(link.group(1).replace("http://testserver", "")).status_code == 200


def test_share_pages_are_for_the_accounts_kams(client, world, other_kam, director):
    client.force_login(other_kam)
    assert client.get(f"/plans/{world['plan'].pk}/shares/").status_code == 404
    client.force_login(director)
    assert client.get(f"/plans/{world['plan'].pk}/shares/").status_code == 403


@pytest.mark.parametrize("extra", [0, 15])
def test_shared_page_and_links_page_read_a_fixed_number_of_queries(
    client, world, kam, extra, django_assert_num_queries
):
    actions = [factories.ActionFactory(plan=world["plan"]) for _ in range(extra)]
    share, raw = make_share(world, action_ids=[world["shown"].pk, *(a.pk for a in actions)])
    for action in actions:
        sharing.share_respond(share=share, action_id=action.pk, kind="comment", body="Fine")
        sharing.share_respond(share=share, action_id=action.pk, kind="ack")
    # The share, the opening's insert, the current run, the sections, objectives, actions,
    # commitments, the answers and the measurements (the score only when a run exists).
    with django_assert_num_queries(9):
        assert client.get(f"/shared/{raw}/").status_code == 200
    client.force_login(kam)
    # Session, user, groups; the plan; the links and their answers; the unread count; the
    # form's choices (contacts, objectives, actions, commitments).
    with django_assert_num_queries(11):
        assert client.get(f"/plans/{world['plan'].pk}/shares/").status_code == 200
