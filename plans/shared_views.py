"""The plan as the customer sees it, through a personal link: `/shared/<token>/`.

Nothing else of KAM is reachable from here: the page stands alone (no navigation, no script,
no link into the app), the link grants no session, and its only form answers an action shown
on it. A guessed, expired or revoked link, and one whose plan is archived, gets the same 404
that names no account. Wrong tokens are rate limited per address (a cache counter: after
MISSES_ALLOWED misses in MISS_WINDOW seconds every link from that address answers 429 until the
window passes). The page's CSP allows nothing but this site's stylesheet and forms posting
back to it; its referrer policy is same-origin, so the token in its address goes to no other
host.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from accounts.runs import current_run
from kam.errors import DomainError, InvalidInput
from plans.forms import ShareResponseForm
from plans.models import PlanShare
from plans.selectors.sharing import shared_page
from plans.services import sharing

MISSES_ALLOWED = 20
MISS_WINDOW = 15 * 60
STRICT_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


def miss_key(address: str) -> str:
    """The cache key counting one address's wrong tokens."""
    return f"plan-share-miss:{address}"


def _client_key(request: HttpRequest) -> str:
    return miss_key(request.META.get("REMOTE_ADDR", ""))


def _throttled(request: HttpRequest) -> bool:
    return (cache.get(_client_key(request)) or 0) >= MISSES_ALLOWED


def _missed(request: HttpRequest) -> None:
    key = _client_key(request)
    if cache.add(key, 1, MISS_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, MISS_WINDOW)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    # same-origin, not no-referrer: a browser sends "Origin: null" with a form under
    # no-referrer, which the CSRF check refuses; no other origin ever gets the address.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone(request: HttpRequest, status: int = 404) -> HttpResponse:
    return _private(render(request, "shared/unavailable.html", {"status": status}, status=status))


def _share(request: HttpRequest, token: str) -> PlanShare | HttpResponse:
    if _throttled(request):
        return _gone(request, 429)
    share = sharing.share_for_token(token)
    if share is None:
        _missed(request)
        return _gone(request)
    return share


def _page(request: HttpRequest, share: PlanShare, token: str, **extra) -> HttpResponse:
    page = shared_page(share=share, run=current_run(), today=timezone.localdate())
    context = {"page": page, "share": share, "token": token, "form": ShareResponseForm(), **extra}
    return _private(render(request, "shared/plan.html", context, status=extra.get("status", 200)))


@csp_override(STRICT_CSP)
@require_GET
def shared_plan(request: HttpRequest, token: str) -> HttpResponse:
    found = _share(request, token)
    if isinstance(found, HttpResponse):
        return found
    if "sent" not in request.GET:
        sharing.share_opened(share=found)
    return _page(request, found, token, sent="sent" in request.GET)


@csp_override(STRICT_CSP)
@require_POST
def shared_respond(request: HttpRequest, token: str, action_pk: int) -> HttpResponse:
    found = _share(request, token)
    if isinstance(found, HttpResponse):
        return found
    form = ShareResponseForm(request.POST)
    if form.is_valid():
        try:
            sharing.share_respond(
                share=found,
                action_id=action_pk,
                kind=form.cleaned_data["kind"],
                body=form.cleaned_data["body"],
            )
        except (InvalidInput, DomainError) as error:
            texts = (
                [m for ms in error.errors.values() for m in ms]
                if isinstance(error, InvalidInput)
                else [str(error)]
            )
            return _page(request, found, token, errors=texts, failed=action_pk, status=400)
        return redirect(f"{reverse('shared:page', args=[token])}?sent=1#action-{action_pk}")
    texts = [m for ms in form.errors.values() for m in ms]
    return _page(request, found, token, errors=texts, failed=action_pk, status=400)
