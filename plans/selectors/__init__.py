"""Reads of the plans app, shared by pages, the API and tasks.

Service commitments and notifications live in `commitments`, account plans in `plans`, the
actions list in `actions`; all are re-exported here, so
`from plans.selectors import board_rows, plan_page` keeps working.
"""
