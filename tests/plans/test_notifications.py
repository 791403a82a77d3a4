"""In-app notifications: the list, marking read, and the unread badge in the navigation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import Notification

pytestmark = pytest.mark.django_db


def notify(user, subject, key, *, read=False):
    return Notification.objects.create(
        recipient=user,
        subject=subject,
        url="/plans/commitments/",
        dedupe_key=key,
        read_at=timezone.now() if read else None,
    )


def test_the_list_shows_only_my_notifications_newest_first(client, kam, other_kam):
    notify(kam, "Older news", "a")
    notify(kam, "Newer news", "b")
    notify(other_kam, "Not for you", "c")
    client.force_login(kam)

    response = client.get(reverse("plans:notifications"))

    subjects = [n.subject for n in response.context["page_obj"]]
    assert subjects == ["Newer news", "Older news"]
    assert "Not for you" not in response.text


def test_the_navigation_shows_the_unread_count(client, kam):
    notify(kam, "One", "a")
    notify(kam, "Two", "b")
    notify(kam, "Seen", "c", read=True)
    client.force_login(kam)

    response = client.get(reverse("plans:notifications"))

    assert 'data-testid="unread-count">2<' in response.text


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, kam):
    notification = notify(kam, "One", "a")
    client.force_login(kam)

    response = client.post(
        reverse("plans:notification_read", args=[notification.pk]), {"next": notification.url}
    )

    assert response["Location"] == "/plans/commitments/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read_touches_only_my_notifications(client, kam, other_kam):
    notify(kam, "One", "a")
    notify(kam, "Two", "b")
    theirs = notify(other_kam, "Theirs", "c")
    client.force_login(kam)

    client.post(reverse("plans:notifications_read_all"))

    assert not Notification.objects.filter(recipient=kam, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_nobody_can_mark_someone_elses_notification_read(client, kam, other_kam):
    theirs = notify(other_kam, "Theirs", "c")
    client.force_login(kam)

    client.post(reverse("plans:notification_read", args=[theirs.pk]))

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(client, kam):
    notification = notify(kam, "One", "a")
    client.force_login(kam)

    response = client.get(reverse("plans:notification_read", args=[notification.pk]))

    assert response.status_code == 405


def _notification_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [q["sql"] for q in captured.captured_queries if "plans_notification" in q["sql"]]


def test_the_unread_count_costs_one_query_signed_in_and_none_signed_out(client, kam):
    assert _notification_queries(client, reverse("login")) == []

    client.force_login(kam)

    assert len(_notification_queries(client, reverse("plans:board"))) == 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_query_count_does_not_grow_with_notifications(
    client, kam, count, django_assert_num_queries
):
    for index in range(count):
        notify(kam, f"News {index}", f"key-{index}")
    client.force_login(kam)
    queries = (
        1  # session
        + 1  # user
        + 1  # the user's groups (roles)
        + 1  # count for the paginator
        + 1  # the page of notifications
        + 1  # the unread count in the navigation
    )

    with django_assert_num_queries(queries):
        client.get(reverse("plans:notifications"))
