"""Personal API tokens: created and revoked by their owner, stored as a SHA-256 digest only.

A token is 32 random bytes (URL-safe text) behind a `kam_` marker, so a leaked one is easy to
spot in logs and repositories. Its entropy makes a plain SHA-256 as safe as a slow password hash
and lets authentication find the token with one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from kam.errors import DomainError, PermissionDenied

TOKEN_MARKER = "kam_"
PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each API read into a write; once a minute
# is precise enough to tell a token in use from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user` (and only for themselves: the caller is the owner). Returns the
    row and the token text, which is never stored and cannot be shown again. A name is required
    so the owner can tell tokens apart; at most MAX_ACTIVE_TOKENS are active at once."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name, so you can tell it from your other tokens.")
    if not user.is_active:
        raise PermissionDenied("An inactive user cannot have API tokens.")
    # Lock the owner so two simultaneous requests cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).exists()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            f"You already have {MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use."
        )
    raw = TOKEN_MARKER + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:80], prefix=raw[:PREFIX_LENGTH], digest=token_digest(raw)
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token for good: its owner, or an administrator (a leaked token). Revoking a
    revoked token changes nothing."""
    if token.user_id != actor.pk and not actor.has_perm("kam.administer"):
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every active token of `user` at once ("log out everywhere", a deactivated
    account); how many were active."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_token_user(raw: str, *, now: dt.datetime | None = None) -> Any:
    """The active user a token belongs to, or None for an unknown, revoked or inactive one.

    One query (token and user together); a second, an UPDATE, at most once a minute per token."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
