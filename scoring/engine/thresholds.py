"""The thresholds and scales of the scoring rules (DOMAIN.md), kept in one place.

The SQL of the engine reads every constant from here, so a rule changes in one line.
"""

from __future__ import annotations

from accounts.models import AccountStatus, Stage

# Portfolio matrix: an axis value at or above this is "high" (both axes are 0-100).
HIGH_ATTRACTIVENESS = 50
HIGH_STRENGTH = 50

# Relative strength, stage component: the relationship ladder spread evenly over 0-100.
# A disengaging relationship earns nothing, whatever rung it fell from: it is in decline.
STAGE_STRENGTH: dict[str, int] = {
    Stage.EXPLORATORY: 0,
    Stage.TACTICAL: 25,
    Stage.COOPERATIVE: 50,
    Stage.INTERDEPENDENT: 75,
    Stage.STRATEGIC: 100,
    Stage.DISENGAGING: 0,
}

# Pareto: the accounts that make up this share of revenue (as the fraction PARETO_NUM/PARETO_DEN,
# kept as integers so both databases compare exactly).
PARETO_NUM, PARETO_DEN = 4, 5

# The "4x average" rule: monthly revenue at least this many times the average account's.
FOUR_X_FACTOR = 4

# Load: a KAM with more key accounts than this is overloaded.
KAM_MAX_KEY_ACCOUNTS = 5

KEY_STATUS = AccountStatus.KEY.value
