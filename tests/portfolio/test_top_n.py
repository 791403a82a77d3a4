"""The actionable misclassification check: with N = the key accounts now, the accounts that
would enter the top N and the key accounts that would leave it, ranked, each with why."""

import pytest
from django.urls import reverse

from accounts.models import AccountStatus
from scoring.models import AccountScore
from scoring.portfolio.base import Scope
from scoring.portfolio.top_n import top_n_check
from tests import factories
from tests.portfolio.builders import criterion_scores, make_run, score


@pytest.fixture
def ranked(kam):
    """Five accounts, two of them key (so N = 2), ranked 1..5:
    1 Gamma (standard), 2 Alpha (key), 3 Epsilon (standard), 4 Beta (key), 5 Delta."""
    run = make_run()
    names = {
        "Gamma": (1, None),
        "Alpha": (2, kam),
        "Epsilon": (3, None),
        "Beta": (4, kam),
        "Delta": (5, None),
    }
    accounts = {}
    for name, (_, owner) in names.items():
        factory = factories.KeyAccountFactory if owner else factories.AccountFactory
        accounts[name] = factory(name=name, **({"kam": owner} if owner else {}))
    AccountScore.objects.bulk_create(
        score(run, account, rank=names[name][0], attractiveness=90 - 10 * names[name][0])
        for name, account in accounts.items()
    )
    criterion_scores(
        run,
        {
            accounts["Gamma"]: {"revenue": 100, "contribution": 80},
            accounts["Beta"]: {
                "revenue": 100,
                "contribution": 100,
                "revenue_growth": 100,
                "headroom": 100,
            },
        },
    )
    return run, accounts


def test_the_top_n_is_the_number_of_key_accounts_and_each_side_is_ranked(ranked):
    run, _ = ranked
    check = top_n_check(run, Scope(), n=2)

    assert [m.name for m in check.entering] == ["Gamma"]
    assert [m.name for m in check.leaving] == ["Beta"]
    assert (check.entering_total, check.leaving_total) == (1, 1)


def test_each_account_says_why_with_its_score_rank_and_criteria(ranked):
    run, _ = ranked
    check = top_n_check(run, Scope(), n=2)

    # Default weights add up to 100, so a criterion's most possible points are its weight.
    assert check.entering[0].why == (
        "score 80.00, rank 1; strongest: Revenue, trailing 12 months 15.0 of 15.0 pts, "
        "Contribution after cost to serve 12.0 of 15.0 pts"
    )
    # Beta loses 10 points on strategic value, then 5 on each other rated or size criterion.
    assert check.leaving[0].why == (
        "score 50.00, rank 4; weakest: Strategic and reference value 0.0 of 10.0 pts, "
        "Competitor-held account we decided to attack 0.0 of 5.0 pts, "
        "Customer size (turnover) 0.0 of 5.0 pts"
    )


def test_a_designation_since_the_run_counts_at_once(ranked):
    run, accounts = ranked
    epsilon = accounts["Epsilon"]
    epsilon.status, epsilon.kam = AccountStatus.KEY, accounts["Alpha"].kam
    epsilon.save()

    check = top_n_check(run, Scope(), n=3)

    # N = 3 now: Gamma (1) enters; Beta (4) leaves; Epsilon (3) is key and in the top 3.
    assert [m.name for m in check.entering] == ["Gamma"]
    assert [m.name for m in check.leaving] == ["Beta"]


def test_the_lists_stop_at_the_limit_and_the_totals_stay_complete(ranked):
    run, _ = ranked
    check = top_n_check(run, Scope(), n=4, limit=1)

    # N = 4: Gamma and Epsilon enter (ranks 1, 3); no key account ranks below 4.
    assert ([m.name for m in check.entering], check.entering_total) == (["Gamma"], 2)
    assert check.leaving == []


def test_a_scope_lists_only_its_accounts_on_either_side_with_the_run_ranks(ranked, kam):
    run, accounts = ranked
    # Epsilon (rank 3) moves into the KAM's portfolio since the run; Gamma stays outside it.
    accounts["Epsilon"].kam = kam
    accounts["Epsilon"].save()

    check = top_n_check(run, Scope(kam_id=kam.pk), n=3)

    # In the KAM's scope: Epsilon (3) is not key and in the top 3; Beta (4) is key below it;
    # Gamma (1) would enter but is another KAM's, Alpha (2) is key and in the top 3.
    assert [(m.name, m.rank) for m in check.entering] == [("Epsilon", 3)]
    assert [(m.name, m.rank) for m in check.leaving] == [("Beta", 4)]
    assert (check.entering_total, check.leaving_total) == (1, 1)


def test_the_dashboard_lists_the_movers_with_their_why(client, director, ranked):
    client.force_login(director)
    html = client.get(reverse("portfolio:dashboard")).content.decode()

    assert "Not key accounts, but in the top 2 by score (N = 2 key accounts): would enter" in html
    assert "Gamma: not a key account, score 80.00, rank 1 of 5; strongest: Revenue" in html
    assert "Beta: key account, score 50.00, rank 4 of 5; weakest: Strategic" in html


def test_the_warnings_download_lists_every_mover(client, director, ranked):
    client.force_login(director)
    response = client.get(reverse("portfolio:export", args=["warnings"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert "Would enter the top N,Warning" in text and "Gamma" in text
    assert "Would leave the top N,Warning" in text and "Beta" in text
