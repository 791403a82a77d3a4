"""Authentication by personal API token, for Django REST framework.

Kept apart from kam/api.py: DRF imports its authentication classes while `rest_framework.views`
is first imported, so this module may import nothing that imports the views back.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`) with a personal API token."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        from accounts.api.tokens import api_token_user  # the models load after the settings

        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Bearer <token>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        user = api_token_user(raw)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
