from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kam import rules as kam_rules
from plans.selectors.commitments import unread_notification_count


def kam(request: HttpRequest) -> dict:
    """The user's role names (shown beside their name; what the navigation offers is asked
    with `has_perm`), the unread notification count, and the reporting currency, on every
    page. The count is one query, run only when a template shows it and only for a signed-in
    user."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "KAM_CURRENCY": settings.KAM_CURRENCY,
        "roles": kam_rules.roles_of(user) if user is not None else frozenset(),
        "unread_notifications": (
            SimpleLazyObject(lambda: unread_notification_count(user)) if signed_in else 0
        ),
    }
