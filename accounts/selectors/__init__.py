"""Reads of accounts shared by the pages, the API and tasks.

The list and the account page live in `accounts`, the workspace's decision-making unit in
`workspace`, the merged history in `history` (the sections of plans and scoring are theirs:
`plans/account_page.py`, `scoring/account_page.py`); all are re-exported here, so
`from accounts import selectors` keeps one namespace.
"""

from accounts.selectors.accounts import (
    SCORE_FIELDS,
    AccountFacets,
    AccountPage,
    account_facets,
    account_page,
    accounts_for_list,
    list_shows_scores,
    plan_team,
    team_candidates,
    visible_account,
    with_current_scores,
)
from accounts.selectors.history import (
    HISTORY_PAGE_SIZE,
    PAGE_HISTORY_ENTRIES,
    Change,
    HistoryEntry,
    account_history,
)
from accounts.selectors.workspace import (
    ATTITUDES,
    DmuCoverage,
    DmuRow,
    dmu_coverage,
    dmu_grid,
    is_covered,
)

__all__ = [
    "ATTITUDES",
    "HISTORY_PAGE_SIZE",
    "PAGE_HISTORY_ENTRIES",
    "SCORE_FIELDS",
    "AccountFacets",
    "AccountPage",
    "Change",
    "DmuCoverage",
    "DmuRow",
    "HistoryEntry",
    "account_facets",
    "account_history",
    "account_page",
    "accounts_for_list",
    "dmu_coverage",
    "dmu_grid",
    "is_covered",
    "list_shows_scores",
    "plan_team",
    "team_candidates",
    "visible_account",
    "with_current_scores",
]
