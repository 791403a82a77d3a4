"""`{% load permissions %}{% has_perm 'scoring.view_portfolio' user as can_x %}`: templates ask
kam/rules.py, never role names.

The same tag as the `rules` library's, answered by the rules alone: `user.has_perm` would fall
through to Django's model permissions, which grant nothing in KAM and cost two queries on every
page the navigation is on.
"""

from __future__ import annotations

from typing import Any

import rules
from django import template

register = template.Library()


@register.simple_tag
def has_perm(perm: str, user: Any, obj: Any = None) -> bool:
    return rules.has_perm(perm, user, obj)
