"""Writes with rules for the plans app.

Service commitments live in `commitments`, account plans in `plans`; both are re-exported here,
so `from plans.services import commitments_evaluate, plan_approve` keeps working.
"""
