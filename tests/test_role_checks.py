"""Roles are asked in one place: kam/rules.py. Everything else (views, services, querysets,
templates) asks a permission or a named helper of kam.rules, never a role name, so a change of
who may do what is one edit there."""

import re
from pathlib import Path

import pytest

from kam.rules import ROLE_BY_GROUP

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "kam" / "rules.py"
ROLE = "|".join(sorted(ROLE_BY_GROUP.values()))
QUOTED = rf"""["'](?:{ROLE})["']"""

# Each pattern is a role name used in a check; names of fields ("kam") or URLs ("admin:index")
# and functional roles on a team (role == FunctionalRole.SALES) are not.
ROLE_CHECKS = [
    re.compile(rf"{QUOTED}\s+(?:not\s+)?in\b"),  # "director" in roles
    re.compile(rf"(?:==|!=)\s*{QUOTED}"),  # user.role == "admin"
    re.compile(rf"{QUOTED}\s*(?:==|!=)"),
    re.compile(rf"\{{[^{{}}]*{QUOTED}[^{{}}]*\}}\s*&|&\s*\{{[^{{}}]*{QUOTED}"),  # roles & {...}
    re.compile(r"^(?!\s*(?:\{%\s*)?for\b).*\bin\s+roles\b"),  # {% if x in roles %}, not a loop
    re.compile(r"\broles\s*&"),
    re.compile(rf"\broles\.(?:{ROLE})\b"),
    re.compile(rf"\bis_(?:{ROLE})\s*\("),  # kam_rules.is_director(user)
]


def role_checks(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in ROLE_CHECKS)]


def checked_files() -> list[Path]:
    files = [
        path
        for app in ("accounts", "plans", "scoring", "kam")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path != RULES
    ]
    files += [*(ROOT / "templates").rglob("*.html")]
    for app in ("accounts", "plans", "scoring", "kam"):
        files += [*(ROOT / app).rglob("templates/**/*.html")]
    return sorted(files)


@pytest.mark.parametrize(
    "line",
    [
        "{% if 'director' in roles or 'admin' in roles %}",
        'if "operations" in kam_rules.roles_of(request.user):',
        'if kam is not None and "kam" not in kam_rules.roles_of(kam):',
        'if roles & {"admin", "director", "operations"}:',
        'return user.role == "director"',
        "if kam_rules.is_admin(request.user):",
        "{% if roles.admin %}",
        "{% if wanted in roles %}",
    ],
)
def test_a_role_check_is_found(line):
    assert role_checks(line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        'visible.select_related("kam")',
        'fields = ["q", "status", "kam", "ordering"]',
        "if role == FunctionalRole.EXECUTIVE_SPONSOR:",
        '{{ user }}{% if roles %} · {{ roles|join:", " }}{% endif %}',
        "<a href=\"{% url 'admin:index' %}\">Administration</a>",
        "{% has_perm 'scoring.view_portfolio' user as can_portfolio %}",
        "return self._is_admin(request)",
        "for title, function, buying_role, (low, high) in roles:",
        "{% for role in roles %}",
    ],
)
def test_ordinary_code_is_not_a_role_check(line):
    assert role_checks(line) == []


def test_no_role_name_is_checked_outside_kam_rules():
    found = {
        str(path.relative_to(ROOT)): checks
        for path in checked_files()
        if (checks := role_checks(path.read_text(encoding="utf-8")))
    }

    assert found == {}


def test_the_scan_covers_the_apps_and_the_templates():
    names = {str(path.relative_to(ROOT)) for path in checked_files()}

    assert {"templates/includes/nav.html", "accounts/models.py", "kam/views.py"} <= names
    assert "kam/rules.py" not in names
