"""The selection workbench: the weights what-if, saving weights, designating key accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, DesignationChange
from kam.errors import DomainError, PermissionDenied
from scoring import workbench
from scoring.models import AccountScore, Criterion
from tests import factories
from tests.portfolio.builders import criterion_scores, make_run, score

WORKBENCH = reverse("portfolio:workbench")
PREVIEW = reverse("portfolio:preview")
SAVE = reverse("portfolio:weights_save")


def weights_only(**chosen: int) -> dict[int, Decimal]:
    """Every active criterion at 0 except the chosen ones (by key)."""
    return {c.pk: Decimal(chosen.get(c.key, 0)) for c in Criterion.objects.filter(active=True)}


def form_data(weights: dict[int, Decimal], **extra: str) -> dict[str, str]:
    return {f"weight_{pk}": str(w) for pk, w in weights.items()} | extra


def four_accounts(kam, *, ranks, attractiveness, weights=None) -> dict:
    """Four accounts with stored normalised revenue (rev) and strategic value (sv).

    With weights revenue 1 and strategic value 3 the score is (rev + 3 sv) / 4:
    account  status    rev   sv   score  rank by it  revenue
    Alpha    key       100    0      25           3      500
    Beta     key        80   20      35           2      300
    Gamma    standard    0  100      75           1      100  (4x rule)
    Delta    standard   50   10      20           4      100  (Pareto set)
    The run's stored ranks and scores are given, and its recorded `weights` if any.
    """
    run = make_run(weights=weights)
    accounts = {
        "alpha": factories.KeyAccountFactory(name="Alpha", kam=kam),
        "beta": factories.KeyAccountFactory(name="Beta", kam=kam),
        "gamma": factories.AccountFactory(name="Gamma"),
        "delta": factories.AccountFactory(name="Delta"),
    }
    revenues = {"alpha": 500, "beta": 300, "gamma": 100, "delta": 100}
    AccountScore.objects.bulk_create(
        score(
            run,
            account,
            rank=rank,
            revenue=revenues[name],
            attractiveness=points,
            is_4x=name == "gamma",
            is_pareto=name == "delta",
        )
        for (name, account), rank, points in zip(
            accounts.items(), ranks, attractiveness, strict=True
        )
    )
    criterion_scores(
        run,
        {
            accounts["alpha"]: {"revenue": 100, "strategic_value": 0},
            accounts["beta"]: {"revenue": 80, "strategic_value": 20},
            accounts["gamma"]: {"revenue": 0, "strategic_value": 100},
            accounts["delta"]: {"revenue": 50, "strategic_value": 10},
        },
    )
    return {"run": run, **accounts}


@pytest.fixture
def scored(kam):
    """A run that recorded no weights (scores from other weights): every criterion is read."""
    return four_accounts(kam, ranks=(1, 2, 3, 4), attractiveness=(60, 55, 40, 30))


@pytest.fixture
def scored_with_weights(kam):
    """A run that recorded its weights (revenue 1, strategic value 3) and stored the scores
    they give."""
    return four_accounts(
        kam,
        ranks=(3, 2, 1, 4),
        attractiveness=(25, 35, 75, 20),
        weights={"revenue": "1.00", "strategic_value": "3.00"},
    )["run"]


def test_preview_lists_who_enters_and_leaves_the_top_n(scored):
    preview = workbench.weights_preview(
        run=scored["run"], weights=weights_only(revenue=1, strategic_value=3)
    )

    # N defaults to the 2 key accounts: the new top 2 are Gamma (75) and Beta (35).
    assert preview.top_n == 2
    assert preview.accounts == 4
    assert [(r.name, r.new_rank, r.new_score) for r in preview.entering] == [("Gamma", 1, 75.0)]
    assert [(r.name, r.old_rank, r.new_rank, r.new_score) for r in preview.leaving] == [
        ("Alpha", 1, 3, 25.0)
    ]
    # Gamma 100 + Beta 300 of 1,000 revenue.
    assert preview.top_revenue_pct == pytest.approx(40.0)
    # n = 4: Alpha (key) at rank 3 is in the bottom half (2 x 3 > 5); Gamma (not key) at rank
    # 1 is in the top decile (rank <= ceil(4 / 10) = 1).
    assert (preview.key_in_bottom_half, preview.others_in_top_decile) == (1, 1)
    assert preview.guardrail.level == "danger"


def test_preview_with_a_chosen_n(scored):
    preview = workbench.weights_preview(
        run=scored["run"], weights=weights_only(revenue=1, strategic_value=3), top_n=3
    )

    assert preview.top_n == 3
    assert [r.name for r in preview.entering] == ["Gamma"]
    assert preview.leaving == []


def test_preview_changes_with_the_weights(scored):
    by_revenue = workbench.weights_preview(run=scored["run"], weights=weights_only(revenue=1))

    # Revenue alone: Alpha 100, Beta 80, Delta 50, Gamma 0 -- the key accounts stay on top.
    assert (by_revenue.entering, by_revenue.leaving) == ([], [])
    assert (by_revenue.key_in_bottom_half, by_revenue.others_in_top_decile) == (0, 0)


def test_preview_with_the_runs_own_weights_ranks_by_the_stored_scores(scored_with_weights):
    preview = workbench.weights_preview(
        run=scored_with_weights, weights=weights_only(revenue=1, strategic_value=3)
    )

    # Nothing changed: the stored scores (x the run's total weight 4, / the proposed 4) rank.
    assert [(r.name, r.new_rank, r.new_score) for r in preview.entering] == [("Gamma", 1, 75.0)]
    assert [(r.name, r.new_rank, r.new_score) for r in preview.leaving] == [("Alpha", 3, 25.0)]


def test_preview_adds_only_the_changed_criteria_to_the_stored_scores(scored_with_weights):
    preview = workbench.weights_preview(run=scored_with_weights, weights=weights_only(revenue=1))

    # Strategic value 3 -> 0: points = 4 x score - 3 x sv = rev, over a total weight of 1:
    # Alpha 100, Beta 80, Delta 50, Gamma 0; the key accounts stay on top.
    assert (preview.entering, preview.leaving) == ([], [])
    assert (preview.key_in_bottom_half, preview.others_in_top_decile) == (0, 0)
    assert preview.top_revenue_pct == pytest.approx(80.0)  # Alpha 500 + Beta 300 of 1,000


def test_each_account_entering_or_leaving_says_why_under_the_proposed_weights(scored):
    preview = workbench.weights_preview(
        run=scored["run"], weights=weights_only(revenue=1, strategic_value=3)
    )

    # Weights 1 and 3 of 4: revenue gives at most 25 points, strategic value 75.
    (gamma,) = preview.entering
    assert [d.text for d in gamma.drivers] == ["Strategic and reference value 75.0 of 75.0 pts"]
    (alpha,) = preview.leaving  # full marks on revenue: it only loses on strategic value
    assert [d.text for d in alpha.drivers] == ["Strategic and reference value 0.0 of 75.0 pts"]


def test_preview_refuses_all_zero_weights(scored):
    with pytest.raises(DomainError):
        workbench.weights_preview(run=scored["run"], weights=weights_only())


@pytest.mark.parametrize("with_weights", [False, True])
def test_preview_endpoint_renders_the_partial_in_a_fixed_number_of_queries(
    client, director, kam, with_weights, django_assert_num_queries, request
):
    request.getfixturevalue("scored_with_weights" if with_weights else "scored")
    client.force_login(director)
    data = form_data(weights_only(revenue=1, strategic_value=3))
    # Session, user, groups, current run, active criteria, (the run's weights when it
    # recorded them,) today's key accounts, the listed accounts' names, their explanations and
    # the criteria's labels (their why).
    expected = 9 + with_weights
    # The first preview of a run also reads its units' scores and the column of each changed
    # criterion (both, without recorded weights; none with them: the proposal is the run's
    # own weights), once: the run's results never change, they are cached. A column is two
    # queries: where the criterion's line is in the run's explanations, then its values.
    first = expected + 1 + (0 if with_weights else 2 * 2)

    with django_assert_num_queries(first):
        client.post(PREVIEW, data, HTTP_HX_REQUEST="true")
    with django_assert_num_queries(expected):
        response = client.post(PREVIEW, data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-entering="1" data-leaving="1"' in html
    assert "Gamma" in html and "Alpha" in html
    assert html.count('data-testid="why"') == 2  # each listed account says why
    assert Criterion.objects.get(key="revenue").weight == Decimal("15.00")  # nothing saved


def test_preview_endpoint_shows_form_errors_in_place(client, director, scored):
    client.force_login(director)

    response = client.post(PREVIEW, form_data(weights_only()))

    assert response.status_code == 200
    assert "At least one criterion needs a weight above zero." in response.content.decode()


def test_preview_without_a_run_says_not_yet_computed(client, director):
    client.force_login(director)

    response = client.post(PREVIEW, form_data(weights_only(revenue=1)))

    assert "Not yet computed" in response.content.decode()


def test_saving_weights_records_history_with_actor_and_reason(director):
    weights = weights_only(revenue=20, strategic_value=30)

    changed = workbench.criteria_weights_save(weights=weights, actor=director, reason="Potential")

    revenue = Criterion.objects.get(key="revenue")
    assert revenue.weight == Decimal("20.00")
    assert Criterion.objects.get(key="turnover").weight == Decimal("0.00")
    # Every default weight is above 0 and none is 20 or 30: all 13 criteria changed.
    assert len(changed) == 13
    latest = revenue.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("Potential", director)
    assert latest.weight == Decimal("20.00")


def test_saving_unchanged_weights_changes_nothing(director):
    weights = {c.pk: c.weight for c in Criterion.objects.filter(active=True)}
    before = Criterion.history.count()

    assert workbench.criteria_weights_save(weights=weights, actor=director) == []
    assert Criterion.history.count() == before


@pytest.mark.parametrize(
    ("weights", "message"),
    [({"revenue": -1}, "cannot be negative"), ({}, "above zero")],
)
def test_saving_weights_keeps_the_rules(director, weights, message):
    before = list(Criterion.objects.values_list("pk", "weight"))

    with pytest.raises(DomainError, match=message):
        workbench.criteria_weights_save(weights=weights_only(**weights), actor=director)

    assert list(Criterion.objects.values_list("pk", "weight")) == before


def test_a_kam_cannot_save_weights(kam):
    before = list(Criterion.objects.values_list("pk", "weight"))

    with pytest.raises(PermissionDenied):
        workbench.criteria_weights_save(weights=weights_only(revenue=1), actor=kam)

    assert list(Criterion.objects.values_list("pk", "weight")) == before


def test_save_view_saves_and_returns_to_the_workbench(client, director):
    client.force_login(director)

    response = client.post(
        SAVE, form_data(weights_only(revenue=40, headroom=60), reason="More headroom")
    )

    assert response.status_code == 302
    assert response.url == WORKBENCH
    assert Criterion.objects.get(key="headroom").weight == Decimal("60.00")
    assert Criterion.objects.get(key="headroom").history.first().history_change_reason == (
        "More headroom"
    )


def test_save_view_shows_errors_and_saves_nothing(client, director):
    client.force_login(director)
    before = list(Criterion.objects.values_list("pk", "weight"))

    response = client.post(SAVE, form_data(weights_only()))

    assert response.status_code == 400
    assert "At least one criterion needs a weight above zero." in response.content.decode()
    assert list(Criterion.objects.values_list("pk", "weight")) == before


@pytest.mark.parametrize("role", ["kam", "operations"])
@pytest.mark.parametrize("url", [PREVIEW, SAVE])
def test_kams_and_operations_cannot_preview_or_save(client, db, request, role, url):
    client.force_login(request.getfixturevalue(role))
    before = list(Criterion.objects.values_list("pk", "weight"))

    response = client.post(url, form_data(weights_only(revenue=1)))

    assert response.status_code == 403
    assert list(Criterion.objects.values_list("pk", "weight")) == before


def test_anonymous_cannot_save_weights(client, db):
    response = client.post(SAVE, form_data(weights_only(revenue=1)))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_workbench_marks_candidates_and_shows_kam_load(
    client, director, kam, scored, django_assert_num_queries
):
    client.force_login(director)

    # Session, user, groups, current run, criteria, key accounts (with how many there are,
    # and how many are units of selection), candidates and their count, KAMs with their load,
    # the navigation's unread notification count.
    with django_assert_num_queries(10):
        response = client.get(WORKBENCH)

    context = response.context
    assert [a.name for a in context["key_accounts"].accounts] == ["Alpha", "Beta"]
    # Gamma by the 4x rule, Delta in the Pareto set.
    candidates = {
        a.name: (a.score_is_4x, a.score_is_pareto) for a in context["candidates"].accounts
    }
    assert candidates == {"Gamma": (True, False), "Delta": (False, True)}
    assert [(k.username, k.key_load) for k in context["kams"]] == [("kam", 2)]
    html = response.content.decode()
    assert f'hx-post="{PREVIEW}"' in html
    assert '<span class="badge text-bg-info">4x</span>' in html


def test_candidates_are_counted_once_whichever_rules_make_them(client, director, kam):
    run = make_run()
    by_4x = factories.AccountFactory(name="By 4x")
    by_pareto = factories.AccountFactory(name="By Pareto")
    by_status = factories.AccountFactory(name="By status", status=AccountStatus.CANDIDATE)
    by_all = factories.AccountFactory(name="By all", status=AccountStatus.CANDIDATE)
    key = factories.KeyAccountFactory(name="Key", kam=kam)
    plain = factories.AccountFactory(name="Plain")
    group = factories.AccountFactory(name="Group")
    member = factories.AccountFactory(name="Member", parent=group)
    # A candidate the run did not score is not among the run's candidates.
    factories.AccountFactory(name="Unscored", status=AccountStatus.CANDIDATE)
    AccountScore.objects.bulk_create(
        [
            score(run, key, rank=1, is_4x=True, is_pareto=True),
            score(run, by_all, rank=2, is_4x=True, is_pareto=True),
            score(run, by_pareto, rank=3, is_pareto=True),
            score(run, plain, rank=4),
            score(run, by_4x, rank=5, is_4x=True),
            score(run, group, rank=6),
            score(run, by_status, rank=7),
            score(run, member, rank=8, is_unit=False, is_4x=True, is_pareto=True),
        ]
    )
    client.force_login(director)

    listed = client.get(WORKBENCH).context["candidates"]

    assert [a.name for a in listed.accounts] == ["By all", "By Pareto", "By 4x", "By status"]
    assert listed.total == 4


def test_the_size_guardrail_counts_key_units_of_selection(client, director, kam):
    group = factories.KeyAccountFactory(name="Group", kam=kam)
    factories.KeyAccountFactory(name="Standalone", kam=kam)
    factories.KeyAccountFactory(name="Member", kam=kam, parent=group)
    client.force_login(director)

    context = client.get(WORKBENCH).context

    assert context["key_accounts"].total == 3
    assert context["key_count"] == 2
    assert context["guardrail"].key_accounts == 2


def test_designation_form_shows_each_kams_load(client, director, kam, other_kam):
    factories.KeyAccountFactory.create_batch(3, kam=kam)
    account = factories.AccountFactory(name="Newcomer")
    client.force_login(director)

    html = client.get(reverse("portfolio:designate", args=[account.pk])).content.decode()

    assert f"{kam} (3 key accounts)" in html
    assert f"{other_kam} (0 key accounts)" in html


def test_director_designates_a_key_account_with_a_reason(client, director, kam):
    account = factories.AccountFactory(name="Newcomer")
    client.force_login(director)

    response = client.post(
        reverse("portfolio:designate", args=[account.pk]),
        {"status": AccountStatus.KEY, "kam": kam.pk, "reason": "4x the average account"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.status, account.kam) == (AccountStatus.KEY, kam)
    change = DesignationChange.objects.get(account=account)
    assert (change.to_status, change.reason, change.changed_by) == (
        AccountStatus.KEY,
        "4x the average account",
        director,
    )


def test_removing_a_key_account_keeps_the_history(client, director, key_account):
    client.force_login(director)

    client.post(
        reverse("portfolio:designate", args=[key_account.pk]),
        {"status": AccountStatus.STANDARD, "kam": "", "reason": "Bottom half for two years"},
    )

    key_account.refresh_from_db()
    assert key_account.status == AccountStatus.STANDARD
    assert DesignationChange.objects.filter(
        account=key_account, from_status=AccountStatus.KEY, to_status=AccountStatus.STANDARD
    ).exists()


def test_designation_without_a_kam_shows_the_rule_and_changes_nothing(client, director):
    account = factories.AccountFactory()
    client.force_login(director)

    response = client.post(
        reverse("portfolio:designate", args=[account.pk]),
        {"status": AccountStatus.KEY, "kam": "", "reason": "Big"},
    )

    assert response.status_code == 400
    assert "A key account needs its dedicated key account manager." in response.content.decode()
    account.refresh_from_db()
    assert account.status == AccountStatus.STANDARD
    assert not DesignationChange.objects.exists()


@pytest.mark.parametrize("role", ["kam", "operations"])
def test_kams_and_operations_cannot_designate(client, request, role, kam):
    account = factories.AccountFactory()
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("portfolio:designate", args=[account.pk]),
        {"status": AccountStatus.KEY, "kam": kam.pk, "reason": "r"},
    )

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.STANDARD


def test_preview_ranks_units_of_selection_only(scored):
    """A member of a group has its own score row for drill-down (rank 0, not a unit): the
    what-if never ranks it, lists it or counts it."""
    member = factories.AccountFactory(name="Member plant", parent=scored["gamma"])
    row = score(scored["run"], member, rank=0, revenue=900, attractiveness=99)
    row.is_unit = False
    AccountScore.objects.bulk_create([row])

    preview = workbench.weights_preview(
        run=scored["run"], weights=weights_only(revenue=1, strategic_value=3)
    )

    # As without the member: 4 units, Gamma enters at rank 1, Alpha leaves, and the top 2's
    # revenue (Gamma 100 + Beta 300) is 40% of the units' 1,000.
    assert preview.accounts == 4
    assert [(r.name, r.new_rank) for r in preview.entering] == [("Gamma", 1)]
    assert [(r.name, r.new_rank) for r in preview.leaving] == [("Alpha", 3)]
    assert preview.top_revenue_pct == pytest.approx(40.0)
