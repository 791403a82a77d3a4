"""Reads of accounts shared by the pages, the API and tasks.

The list and the account page live in `accounts`, the workspace's decision-making unit in
`workspace`, the merged history in `history` (the sections of plans and scoring are theirs:
`plans/account_page.py`, `scoring/account_page.py`); all are re-exported here, so
`from accounts import selectors` keeps one namespace.
"""
