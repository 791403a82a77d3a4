"""The scoring run pages: who may see them, "Recompute now", and the live progress partial."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from scoring import services
from scoring.models import RunStatus, RunTrigger, ScoringRun
from tests import factories

pytestmark = pytest.mark.django_db

READERS = ["director", "admin_user"]
DENIED = ["kam", "operations"]


@pytest.fixture
def finished_run(db):
    return services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
    )


def page_urls(run):
    return [
        reverse("scoring:runs"),
        reverse("scoring:run_detail", args=[run.pk]),
        reverse("scoring:run_progress", args=[run.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, finished_run):
    for url in page_urls(finished_run):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("scoring:run_start"))
    assert response.status_code == 302
    assert ScoringRun.objects.count() == 1


@pytest.mark.parametrize("role", DENIED)
def test_kams_and_operations_may_not_see_or_start_runs(
    client, request, role, finished_run, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(role))
    for url in page_urls(finished_run):
        assert client.get(url).status_code == 403
    with django_capture_on_commit_callbacks() as queued:
        assert client.post(reverse("scoring:run_start")).status_code == 403
    assert queued == []
    assert ScoringRun.objects.count() == 1


@pytest.mark.parametrize("role", READERS)
def test_directors_and_admins_see_the_runs(client, request, role, finished_run):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("scoring:runs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Scoring runs" in html
    assert "Recompute now" in html
    assert f"Run {finished_run.pk}" in html
    detail = client.get(reverse("scoring:run_detail", args=[finished_run.pk]))
    assert detail.status_code == 200
    assert "Succeeded" in detail.content.decode()
    assert ">Planning</th>" in detail.content.decode()


def test_the_run_page_names_each_stage_and_which_are_steps_of_the_final_stage(
    client, director, finished_run
):
    finished_run.stage_durations = {
        "prepare": 0.1, "groups": 1.5, "health": 3.0, "explanations": 4.0, "chunks": 9.0,
        "chunks_busy": 17.5, "scores": 10.0, "prune": None, "vacuum": 2.0, "legacy": 0.5,
    }  # fmt: skip
    finished_run.save(update_fields=["stage_durations"])
    client.force_login(director)
    html = client.get(reverse("scoring:run_detail", args=[finished_run.pk])).content.decode()

    rows = re.findall(r'<th scope="row"[^>]*>([^<]+)</th><td class="num">([^<]+)</td>', html)
    stages = [row for row in rows if row[0] not in {"Duration"} and not row[0][0].isdigit()]
    assert stages[:10] == [
        ("Planning", "0.100 s"),
        ("Chunks, elapsed", "9.000 s"),
        ("Chunks, each one&#x27;s time added up", "17.500 s"),
        ("Final stage", "10.000 s"),
        ("Final stage: groups rolled up", "1.500 s"),
        ("Final stage: health", "3.000 s"),
        ("Final stage: score explanations", "4.000 s"),
        ("Old runs&#x27; rows pruned", "not measured"),
        ("Space reclaimed (VACUUM and ANALYZE on PostgreSQL)", "2.000 s"),
        ("Stage legacy", "0.500 s"),
    ]


def test_the_nav_links_to_the_runs_for_directors_only(client, director, kam):
    client.force_login(director)
    assert reverse("scoring:runs") in client.get(reverse("scoring:runs")).content.decode()
    client.force_login(kam)
    assert reverse("scoring:runs") not in client.get(reverse("accounts:list")).content.decode()


def test_recompute_now_runs_and_shows_the_run(client, director, django_capture_on_commit_callbacks):
    factories.AccountFactory()
    client.force_login(director)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("scoring:run_start"))
    assert len(queued) == 1
    run = ScoringRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("scoring:run_detail", args=[run.pk])
    assert run.status == RunStatus.SUCCEEDED  # tasks run inline without a broker
    assert run.trigger == RunTrigger.MANUAL
    assert run.started_by == director
    assert run.accounts_count == 1
    page = client.get(response.url).content.decode()
    assert "Category spend below our revenue (update it)" in page  # 0 of them, but counted


def test_recompute_now_while_a_run_is_in_progress_says_so(
    client, director, admin_user, django_capture_on_commit_callbacks
):
    running = services.run_request(trigger=RunTrigger.SCHEDULE)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("scoring:run_start"), follow=True)
    assert queued == []
    assert ScoringRun.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("scoring:run_detail", args=[running.pk])
    html = response.content.decode()
    assert "A scoring run is in progress" in html
    assert "nightly schedule" in html


def test_the_progress_partial_polls_until_the_run_ends(client, director):
    factories.AccountFactory()  # one account: one chunk
    run = services.run_request(trigger=RunTrigger.SCHEDULE)
    plan = services.run_prepare(run_id=run.pk)
    services.run_chunk(run_id=run.pk, chunk=plan.chunks[0], snapshot_from=plan.snapshot_from)
    client.force_login(director)
    url = reverse("scoring:run_progress", args=[run.pk])
    running = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert 'aria-valuenow="85"' in running  # the only chunk done: 5 + 80 x 1/1
    assert "Running" in running
    services.run_finalize(run_id=run.pk)
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done
    assert 'aria-valuenow="100"' in done
    assert "Succeeded" in done


def test_a_failed_run_shows_its_error(client, director):
    run = services.run_request(trigger=RunTrigger.SCHEDULE)
    services.run_fail(run_id=run.pk, error="OperationalError: the database went away")
    client.force_login(director)
    html = client.get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert "Failed" in html
    assert "the database went away" in html
    assert "hx-trigger" not in html


def test_the_runs_list_query_count_does_not_grow_with_runs(
    client, director, django_assert_num_queries
):
    client.force_login(director)
    for _ in range(2):
        services.run_fail(run_id=services.run_request(trigger="schedule").pk, error="x")
    with django_assert_num_queries(7) as small:
        client.get(reverse("scoring:runs"))
    for _ in range(20):
        services.run_fail(run_id=services.run_request(trigger="schedule").pk, error="x")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("scoring:runs"))
