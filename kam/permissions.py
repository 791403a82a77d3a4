"""How a page asks a permission: one decorator for what a whole view needs, one call for what an
object needs once the view has loaded it. kam/rules.py says yes or no; a no is
`kam.errors.PermissionDenied`, which services raise too, and `PermissionDeniedMiddleware` turns
it into the 403 page (the API's exception handler answers 403 for it in the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from kam import errors

NOT_ALLOWED = "You are not allowed to make this change."


def require(user: Any, perm: str, obj: object = None, message: str = NOT_ALLOWED) -> None:
    """`perm` from kam/rules.py (on `obj` when given), or PermissionDenied with `message`."""
    if not user.has_perm(perm, obj):
        raise errors.PermissionDenied(message)


def requires(perm: str) -> Callable[[Callable], Callable]:
    """A view for users holding `perm`: anonymous users go to the login page first, anyone else
    without it gets the 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, perm, message="You may not open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class PermissionDeniedMiddleware:
    """A `kam.errors.PermissionDenied` out of any page is answered as Django answers its own
    PermissionDenied (handler403, logged as "Forbidden"), so no view converts it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, errors.PermissionDenied):
            return response_for_exception(request, Forbidden(str(exception)))
        return None
