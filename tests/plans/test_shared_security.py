"""What a shared plan's link opens, and nothing more: every URL of the app tried with the
link's client gives nothing of KAM (only the shared page and its comment form answer), the link
stops at its expiry and when revoked, wrong tokens are rate limited, the page has a strict CSP
and asks nothing of a third party, and customer comments are escaped wherever they show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import get_resolver
from django.utils import timezone

from plans import shared_views
from plans.models import PlanShare, SectionKind
from plans.services import sharing
from tests import factories

LOGIN_PAGES = ("/login/", "/admin/login/")
SECRET_NAMES = ("Zeller Hydraulik", "Zeller plan 2026", "Anja Zeller", "Internal weakness W")


ADDRESSES = ("127.0.0.1", "10.0.0.9")


def forget_misses():
    # Only this limit's keys: the cache may be the Redis that Celery uses too.
    cache.delete_many([shared_views.miss_key(address) for address in ADDRESSES])


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_misses()
    yield
    forget_misses()


@pytest.fixture
def world(kam):
    account = factories.KeyAccountFactory(kam=kam, name="Zeller Hydraulik")
    plan = factories.PlanFactory(account=account, title="Zeller plan 2026")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.POSITION, body="Position P")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.WEAKNESSES, body="Internal weakness W")
    action = factories.ActionFactory(plan=plan, title="Shared action A")
    commitment = factories.CommitmentFactory(account=account, plan=plan)
    contact = factories.ContactFactory(account=account, name="Anja Zeller")
    share, raw = sharing.share_create(
        plan=plan,
        contact=contact,
        actor=kam,
        sections=[SectionKind.POSITION],
        action_ids=[action.pk],
        commitment_ids=[commitment.pk],
    )
    return {
        "plan": plan,
        "action": action,
        "share": share,
        "raw": raw,
        "kam": kam,
        "ids": sorted({account.pk, plan.pk, action.pk, commitment.pk, contact.pk, share.pk}),
    }


def _unregex(prefix: str) -> str:
    return prefix.lstrip("^").replace("\\", "")


def every_url_format(resolver=None, prefix=""):
    """Every URL of the app as (format string, its parameters), namespaces included: what
    reverse() fills in."""
    resolver = resolver or get_resolver()
    for key in list(resolver.reverse_dict):
        for bits, _pattern, _defaults, _converters in resolver.reverse_dict.getlist(key):
            for fmt, params in bits:
                yield prefix + fmt, tuple(params)
    for ns_prefix, sub in resolver.namespace_dict.values():
        yield from every_url_format(sub, prefix + _unregex(ns_prefix))


def urls_to_try(ids, raw):
    seen = set()
    for fmt, params in every_url_format():
        values = []
        if params:
            choices = []
            for name in params:
                if name == "token":
                    choices.append([raw])
                elif name in ("fmt", "format"):
                    choices.append(["pdf", "json"])
                elif name == "kind":
                    choices.append(["position"])
                else:
                    choices.append([str(i) for i in ids])
            combos = [[]]
            for options in choices:
                combos = [[*c, o] for c in combos for o in options]
            values = [dict(zip(params, combo, strict=True)) for combo in combos]
        else:
            values = [{}]
        for value in values:
            url = "/" + (fmt % value)
            if url not in seen:
                seen.add(url)
                yield url


def test_every_url_of_the_app_with_the_links_client_yields_nothing_but_the_shared_page(
    client, world
):
    raw = world["raw"]
    shared_page = f"/shared/{raw}/"
    opened = client.get(shared_page)
    assert opened.status_code == 200
    assert "Anja Zeller" in opened.content.decode()
    # What anyone may open without signing in (the same for a stranger: no data in them).
    public = {*LOGIN_PAGES, "/healthz", "/readyz", "/api/schema/", "/api/docs/", "/api/redoc/"}
    tried = 0
    answered = []
    for url in urls_to_try(world["ids"], raw):
        if url.startswith(f"/shared/{raw}/"):
            continue
        for method in (client.get, client.post):
            response = method(url)
            tried += 1
            body = response.content.decode(errors="replace") if not response.streaming else ""
            for secret in SECRET_NAMES:
                assert secret not in body, (method.__name__, url, secret)
            if response.status_code in (301, 302):
                # Followed to its end: a login page, or nothing.
                final = client.get(response["Location"], follow=True)
                for secret in SECRET_NAMES:
                    assert secret not in final.content.decode(errors="replace"), (url, secret)
                assert final.request["PATH_INFO"] in LOGIN_PAGES or final.status_code >= 400, (
                    url,
                    final.request["PATH_INFO"],
                )
            elif response.status_code < 300:
                answered.append(url)
    assert tried > 300, tried

    assert set(answered) <= public, sorted(set(answered) - public)
    # The link's own URLs: the page and the comment form of its action, nothing else.
    own = [u for u in urls_to_try(world["ids"], raw) if u.startswith(f"/shared/{raw}/")]
    working = {u for u in own if client.get(u).status_code == 200}
    assert working == {shared_page}
    form = f"/shared/{raw}/actions/{world['action'].pk}/"
    assert client.post(form, {"kind": "ack"}).status_code == 302
    for other in world["ids"]:
        if other != world["action"].pk:
            assert (
                client.post(f"/shared/{raw}/actions/{other}/", {"kind": "ack"}).status_code == 400
            )


def unavailable(client, raw):
    response = client.get(f"/shared/{raw}/")
    body = response.content.decode()
    for secret in SECRET_NAMES:
        assert secret not in body
    return response.status_code, body


def test_guessed_expired_and_revoked_links_get_the_same_404(client, world):
    raw, share = world["raw"], world["share"]
    guessed = unavailable(client, "A" * 43)
    PlanShare.objects.filter(pk=share.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = unavailable(client, raw)
    PlanShare.objects.filter(pk=share.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(f"/shared/{raw}/").status_code == 200
    sharing.share_revoke(share=share, actor=world["kam"])
    revoked = unavailable(client, raw)
    assert guessed[0] == expired[0] == revoked[0] == 404
    assert guessed[1] == expired[1] == revoked[1]
    assert (
        client.post(f"/shared/{raw}/actions/{world['action'].pk}/", {"kind": "ack"}).status_code
        == 404
    )


def test_the_link_expires_after_30_days_by_default(client, world):
    share = world["share"]
    assert share.expires_at - share.created_at == dt.timedelta(days=30)
    assert sharing.share_for_token(world["raw"], now=share.created_at + dt.timedelta(days=29))
    assert (
        sharing.share_for_token(world["raw"], now=share.created_at + dt.timedelta(days=30)) is None
    )


def test_an_archived_plan_is_no_longer_shared(client, world):
    plan = world["plan"]
    type(plan).objects.filter(pk=plan.pk).update(status="archived")
    assert client.get(f"/shared/{world['raw']}/").status_code == 404


def test_wrong_tokens_are_rate_limited_even_for_a_right_one_after(client, world):
    for number in range(shared_views.MISSES_ALLOWED):
        assert client.get(f"/shared/wrong-{number}/").status_code == 404
    blocked = client.get(f"/shared/{world['raw']}/")
    assert blocked.status_code == 429
    assert "Anja Zeller" not in blocked.content.decode()
    other_address = client.get(f"/shared/{world['raw']}/", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200
    forget_misses()  # as the window passing would
    assert client.get(f"/shared/{world['raw']}/").status_code == 200


def test_the_shared_page_has_a_strict_csp_and_no_third_party_request(client, world):
    response = client.get(f"/shared/{world['raw']}/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "style-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # default-src 'none': no script at all
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "<script" not in page
    assert " style=" not in page  # no inline style either: style-src is 'self' only
    for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', page):
        assert attribute.startswith("/"), attribute
        assert not attribute.startswith("//"), attribute
    for missing in (client.get("/shared/nothing/"),):
        assert "default-src 'none'" in missing["Content-Security-Policy"]


def test_customer_comments_are_escaped_everywhere(client, world, kam):
    raw = world["raw"]
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(
        f"/shared/{raw}/actions/{world['action'].pk}/", {"kind": "comment", "body": hostile}
    )
    pages = [client.get(f"/shared/{raw}/").content.decode()]
    client.force_login(kam)
    plan = world["plan"]
    pages.append(client.get(f"/plans/{plan.pk}/shares/").content.decode())
    pages.append(client.get(f"/accounts/{plan.account_id}/history/").content.decode())
    pages.append(client.get("/plans/notifications/").content.decode())
    for page in pages:
        assert hostile not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page
