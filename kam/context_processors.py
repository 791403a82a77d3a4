from django.conf import settings
from django.http import HttpRequest

from kam import rules as kam_rules


def kam(request: HttpRequest) -> dict:
    """Role flags for the navigation and the reporting currency, on every page."""
    user = getattr(request, "user", None)
    return {
        "KAM_CURRENCY": settings.KAM_CURRENCY,
        "roles": kam_rules.roles_of(user) if user is not None else frozenset(),
    }
