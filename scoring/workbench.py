"""The selection workbench: a what-if of new weights, saving weights, and its account lists.

The what-if never touches the stored scores: it recomputes every account's weighted score from
the current run's normalised criterion values (CriterionScore) in one SQL statement, ranks the
accounts, and compares the new top N with the current key accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Window

from accounts.models import Account, AccountStatus, User
from kam.errors import DomainError, InvalidInput
from kam.permissions import require
from scoring.models import AccountScore, Criterion, CriterionKind, CriterionScore, ScoringRun
from scoring.portfolio.tiles import Guardrail, portfolio_size_guardrail, share
from scoring.portfolio.top_n import Driver, criterion_drivers, leading

KEY = AccountStatus.KEY.value
CANDIDATE_LIMIT = 50
KEY_ACCOUNT_LIMIT = 100
# Accounts listed as entering or leaving in the what-if, with their why (counts are complete).
PREVIEW_ROWS = 100

ACCOUNT = Account._meta.db_table
SCORE = AccountScore._meta.db_table
CRITERION_SCORE = CriterionScore._meta.db_table


@dataclass
class PreviewRow:
    account_id: int
    name: str
    is_key: bool  # key account now
    revenue: Decimal
    old_rank: int
    old_score: Decimal
    new_rank: int
    new_score: float
    # Why, under the proposed weights: the criteria where it wins (entering) or loses (leaving)
    # the most points; set for the rows the preview lists.
    drivers: list[Driver] = field(default_factory=list)


@dataclass
class Preview:
    """What the portfolio would look like if the top N under the proposed weights were key."""

    top_n: int
    accounts: int
    entering: list[PreviewRow] = field(default_factory=list)
    leaving: list[PreviewRow] = field(default_factory=list)
    top_revenue_pct: float | None = None
    key_in_bottom_half: int = 0
    others_in_top_decile: int = 0

    @property
    def guardrail(self) -> Guardrail:
        return portfolio_size_guardrail(self.top_n)


def _preview_sql(changed: int) -> str:
    """The what-if statement, for `changed` criteria whose weight differs from the run's.

    An account's points under the proposed weights are its points under the run's weights
    (the stored attractiveness x the run's total weight: the engine's score, to its rounding)
    plus, for each changed criterion, (proposed - run weight) x normalised value. So only the
    changed criteria are read, and of them only values above zero (a zero adds nothing; most
    accounts have no rating for a rated criterion):
    - delta: per account, the sum over the changed criteria (a CASE maps each to its change;
      with one changed criterion, its one row: (run, account, criterion) is unique);
    - ranked: every unit of selection of the run (groups and standalone accounts: a group's
      members are never ranked), on narrow rows, ties broken by account id;
    - only the new top N, every key account and rank 1 (which always exists and carries the
      totals) come back; their names and run figures are looked up for those rows alone
      (scalar subqueries: index lookups whatever the planner estimates)."""
    if changed:
        cases = " ".join("WHEN %s THEN %s" for _ in range(changed))
        placeholders = ", ".join("%s" for _ in range(changed))
        points = (
            f"CAST(cs.normalised AS DOUBLE PRECISION) * CASE cs.criterion_id {cases} ELSE 0 END"
        )
        # One changed criterion (the usual edit) has one row per account: no grouping needed.
        points, grouping = (
            (points, "") if changed == 1 else (f"SUM({points})", "GROUP BY cs.account_id")
        )
        delta = f"""
    SELECT cs.account_id, {points} AS points
    FROM {CRITERION_SCORE} cs
    WHERE cs.run_id = %s AND cs.criterion_id IN ({placeholders}) AND cs.normalised > 0
    {grouping}"""
    else:
        delta = f"SELECT account_id, 0 AS points FROM {SCORE} WHERE 1 = 0"
    return f"""
WITH params AS (
    SELECT COALESCE(%s, (SELECT COUNT(*) FROM {ACCOUNT} WHERE status = %s)) AS n,
           units.total, units.total_revenue
    FROM (
        SELECT COUNT(*) AS total, SUM(revenue) AS total_revenue FROM {SCORE}
        WHERE run_id = %s AND is_unit
    ) units
), delta AS ({delta}
), ranked AS (
    SELECT s.account_id,
           CAST(s.attractiveness AS DOUBLE PRECISION) * %s + COALESCE(d.points, 0) AS points,
           ROW_NUMBER() OVER (
               ORDER BY CAST(s.attractiveness AS DOUBLE PRECISION) * %s + COALESCE(d.points, 0)
               DESC, s.account_id
           ) AS new_rank
    FROM {SCORE} s
    LEFT JOIN delta d ON d.account_id = s.account_id
    WHERE s.run_id = %s AND s.is_unit
), picked AS (
    SELECT r.account_id, r.points, r.new_rank, p.total, p.total_revenue, p.n, k.id AS key_id
    FROM ranked r
    CROSS JOIN params p
    LEFT JOIN (SELECT id FROM {ACCOUNT} WHERE status = %s) k ON k.id = r.account_id
    WHERE r.new_rank <= p.n OR r.new_rank = 1 OR k.id IS NOT NULL
)
SELECT picked.account_id,
       (SELECT a.name FROM {ACCOUNT} a WHERE a.id = picked.account_id),
       picked.key_id IS NOT NULL,
       (SELECT s.revenue FROM {SCORE} s WHERE s.run_id = %s AND s.account_id = picked.account_id),
       (SELECT s.rank FROM {SCORE} s WHERE s.run_id = %s AND s.account_id = picked.account_id),
       (SELECT s.attractiveness FROM {SCORE} s
        WHERE s.run_id = %s AND s.account_id = picked.account_id),
       picked.new_rank, picked.points, picked.total, picked.n, picked.total_revenue
FROM picked
ORDER BY picked.new_rank
"""


def run_weights(run: ScoringRun) -> dict[int, Decimal]:
    """{criterion pk: weight} the run scored with (frozen in run.weights by key when the run
    started); empty when the run did not record them. One query when it did."""
    if not run.weights:
        return {}
    keys = Criterion.objects.filter(key__in=list(run.weights)).values_list("pk", "key")
    return {pk: Decimal(run.weights[key]) for pk, key in keys}


def _fetch_without_jit(sql: str, params: list[Any]) -> list[tuple]:
    """Run one read. On PostgreSQL JIT compilation is switched off for it: the statement's cost
    estimate is high enough to trigger it, and compiling took seconds to save a fraction of
    that (SET LOCAL needs a transaction, hence the atomic block there only)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        # Room to sort every unit of selection in memory (50,000 rows spilled to disk at the
        # default 4 MB).
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def weights_preview(
    *,
    run: ScoringRun,
    weights: Mapping[int, Decimal],
    top_n: int | None = None,
    listed_rows: int = PREVIEW_ROWS,
) -> Preview:
    """Rank every account of `run` under the proposed `weights` ({criterion pk: weight}) and
    compare the top N (default: as many as there are key accounts now) with the key accounts.

    A criterion left out of `weights` counts zero. Only criteria whose weight differs from the
    run's are re-read (see _preview_sql); a run that recorded no weights is recomputed from
    every criterion. The guardrails use the scoring run's thresholds: a key account is
    misplaced in the bottom half (2 x rank > n + 1), another account in the top decile
    (rank <= ceil(n / 10)). Two queries (the run's weights, then one statement; plus a SET
    LOCAL on PostgreSQL), whatever the portfolio size, and one for the why of the first
    `listed_rows` of each list (their criteria under the proposed weights); nothing is
    written."""
    total_weight = sum(weights.values(), Decimal(0))
    if total_weight <= 0:
        raise DomainError("At least one criterion needs a weight above zero.")
    before = run_weights(run)
    # With the run's weights known, its stored score carries the unchanged criteria; without
    # them, every proposed criterion is "changed" from zero on a base of nothing.
    base_weight = sum(before.values(), Decimal(0)) if before else Decimal(0)
    changes = {
        pk: weights.get(pk, Decimal(0)) - before.get(pk, Decimal(0))
        for pk in set(weights) | set(before)
    }
    changed = sorted(pk for pk, change in changes.items() if change != 0)
    params: list[Any] = [top_n, KEY, run.pk]
    if changed:
        for pk in changed:
            params += [pk, float(changes[pk])]
        params += [run.pk, *changed]
    params += [float(base_weight), float(base_weight), run.pk, KEY]
    params += [run.pk, run.pk, run.pk]
    rows = _fetch_without_jit(_preview_sql(len(changed)), params)
    if not rows:
        return Preview(top_n=top_n or 0, accounts=0)
    n, total, total_revenue = int(rows[0][9]), int(rows[0][8]), rows[0][10]
    decile = (total + 9) // 10
    preview = Preview(top_n=n, accounts=total)
    top_revenue = Decimal(0)
    keys_in_top_decile = 0
    for account_id, name, is_key, revenue, old_rank, old_score, new_rank, points, *_ in rows:
        row = PreviewRow(
            account_id=account_id,
            name=name,
            is_key=bool(is_key),
            revenue=Decimal(revenue or 0),
            old_rank=old_rank,
            old_score=Decimal(old_score or 0),
            new_rank=new_rank,
            new_score=float(points) / float(total_weight),
        )
        in_top = new_rank <= n
        if in_top:
            top_revenue += row.revenue
        if in_top and not is_key:
            preview.entering.append(row)
        elif is_key and not in_top:
            preview.leaving.append(row)
        if is_key and 2 * new_rank > total + 1:
            preview.key_in_bottom_half += 1
        if is_key and new_rank <= decile:
            keys_in_top_decile += 1
    preview.others_in_top_decile = min(decile, total) - keys_in_top_decile
    preview.top_revenue_pct = share(top_revenue, total_revenue)
    listed = preview.entering[:listed_rows] + preview.leaving[:listed_rows]
    if listed:
        drivers = criterion_drivers(run, [row.account_id for row in listed], weights)
        for row in listed:
            row.drivers = leading(drivers.get(row.account_id, []), losing=row.is_key)
    return preview


REASON_REQUIRED = "Say why the weights change: the reason is kept in the criteria's history."
# django-simple-history keeps a change reason of at most 100 characters.
MAX_REASON = 100


@transaction.atomic
def criteria_weights_save(
    *, weights: Mapping[int, Decimal], actor: User, reason: str = ""
) -> list[Criterion]:
    """Set selection criteria weights. Only directors and admins (`scoring.change_criterion`);
    weights are >= 0 and at least one active criterion keeps a weight above zero, so a score
    can still be computed. The weights need not sum to 100: the engine counts each active
    criterion by its share of their total (`effective_shares`). A change needs a reason; each
    changed criterion gets a history row with the actor and the reason; the next recompute
    reads the new weights. Returns the criteria that changed (none: nothing is written)."""
    require(
        actor,
        "scoring.change_criterion",
        message="You are not allowed to change the selection criteria.",
    )
    criteria = {c.pk: c for c in Criterion.objects.select_for_update().order_by("pk")}
    unknown = set(weights) - set(criteria)
    if unknown:
        raise DomainError("Unknown criterion: reload the page and try again.")
    if any(weight < 0 for weight in weights.values()):
        raise DomainError("Weights cannot be negative.")
    proposed = {pk: weights.get(pk, c.weight) for pk, c in criteria.items()}
    if not any(proposed[pk] > 0 for pk, c in criteria.items() if c.active):
        raise DomainError("At least one criterion needs a weight above zero.")
    changed = [criteria[pk] for pk in sorted(weights) if criteria[pk].weight != weights[pk]]
    if not changed:
        return []
    note = (reason or "").strip()
    if not note:
        raise InvalidInput({"reason": [REASON_REQUIRED]})
    if len(note) > MAX_REASON:
        raise InvalidInput({"reason": [f"A reason holds at most {MAX_REASON} characters."]})
    for criterion in changed:
        criterion.weight = weights[criterion.pk]
        criterion._change_reason = note
        criterion._history_user = actor
        criterion.save(update_fields=["weight", "updated_at"])
    return changed


def effective_shares(weights: Mapping[int, Decimal]) -> dict[int, Decimal | None]:
    """{criterion pk: its share of the score in %} under `weights` (the active criteria's):
    weight / total x 100, as the engine weighs them (scoring/engine/final.py); None for all
    when the total is zero (no score can be computed)."""
    total = sum(weights.values(), Decimal(0))
    if total <= 0:
        return dict.fromkeys(weights)
    return {pk: (weight * 100 / total).quantize(Decimal("0.1")) for pk, weight in weights.items()}


@transaction.atomic
def criteria_anchors_save(
    *, anchors: Mapping[int, tuple[str, str]], actor: User, reason: str = ""
) -> list[Criterion]:
    """Set what 1 and 5 mean for rated criteria ({criterion pk: (1 means, 5 means)}), shown
    beside every rating. Only those who set the criteria (`scoring.change_criterion`); only
    rated criteria have anchors; each is at most 200 characters. Each changed criterion gets a
    history row with the actor and reason. Returns the criteria that changed."""
    require(
        actor,
        "scoring.change_criterion",
        message="You are not allowed to change the selection criteria.",
    )
    criteria = Criterion.objects.select_for_update().in_bulk(list(anchors))
    errors: dict[str, list[str]] = {}
    changed = []
    for pk, (low, high) in sorted(anchors.items()):
        criterion = criteria.get(pk)
        if criterion is None or criterion.kind != CriterionKind.RATED:
            raise DomainError("Only rated criteria have anchors: reload the page and try again.")
        low, high = (low or "").strip(), (high or "").strip()
        if (low, high) == (criterion.anchor_low, criterion.anchor_high):
            continue
        criterion.anchor_low, criterion.anchor_high = low, high
        try:
            criterion.full_clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"{name}_{pk}"] = messages
        changed.append(criterion)
    if errors:
        raise InvalidInput(errors)
    note = (reason or "").strip()[:MAX_REASON] or "Rating anchors changed"
    for criterion in changed:
        criterion._change_reason = note
        criterion._history_user = actor
        criterion.save(update_fields=["anchor_low", "anchor_high", "updated_at"])
    return changed


def active_criteria() -> list[Criterion]:
    return list(Criterion.objects.filter(active=True).order_by("position", "key"))


def with_run_scores(queryset: QuerySet[Account], run: ScoringRun | None) -> QuerySet[Account]:
    """Annotate accounts with their rank, score, revenue and candidate flags in `run`
    (one LEFT JOIN on the unique (run, account) score)."""
    if run is None:
        return queryset
    return queryset.annotate(
        run_score=FilteredRelation("scores", condition=Q(scores__run=run)),
        score_rank=F("run_score__rank"),
        score_attractiveness=F("run_score__attractiveness"),
        score_revenue=F("run_score__revenue"),
        score_is_4x=F("run_score__is_4x"),
        score_is_pareto=F("run_score__is_pareto"),
    )


@dataclass(frozen=True)
class AccountList:
    accounts: list[Account]
    total: int


def _listed(queryset: QuerySet[Account], limit: int) -> AccountList:
    accounts = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return AccountList(accounts, accounts[0].total_rows if accounts else 0)


def key_accounts(run: ScoringRun | None) -> AccountList:
    """Key accounts with their KAM and run figures, best rank first. One query."""
    queryset = with_run_scores(Account.objects.key().select_related("kam"), run)
    order = [F("score_rank").asc(nulls_last=True)] if run else []
    return _listed(queryset.order_by(*order, "name", "pk"), KEY_ACCOUNT_LIMIT)


def candidates(run: ScoringRun | None) -> AccountList:
    """Accounts that are not key but are candidates: by status, by the 4x rule or in the
    Pareto set of the current run; best rank first. Two queries: the first CANDIDATE_LIMIT in
    rank order (the (run, rank) index stops early) and the count."""
    not_key = Account.objects.exclude(status=KEY).select_related("kam")
    if run is None:
        queryset = not_key.filter(status=AccountStatus.CANDIDATE).order_by("name", "pk")
        return _listed(queryset, CANDIDATE_LIMIT)
    # Key and candidate accounts are few: matching their ids (hashed subqueries) is cheaper
    # than joining every scored account to read its status.
    candidate_ids = Account.objects.filter(status=AccountStatus.CANDIDATE).values("pk")
    key_ids = Account.objects.filter(status=KEY).values("pk")
    flagged = (
        AccountScore.objects.filter(run=run, is_unit=True)
        .filter(Q(is_4x=True) | Q(is_pareto=True) | Q(account_id__in=candidate_ids))
        .exclude(account_id__in=key_ids)
    )
    accounts = []
    for score in flagged.select_related("account__kam").order_by("rank", "account_id")[
        :CANDIDATE_LIMIT
    ]:
        account = score.account
        account.score_rank = score.rank
        account.score_is_4x = score.is_4x
        account.score_is_pareto = score.is_pareto
        accounts.append(account)
    return AccountList(accounts, flagged.count())
