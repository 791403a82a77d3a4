"""The selection workbench: a what-if of new weights, saving weights, and its account lists.

The what-if never touches the stored scores: it recomputes every unit's weighted score from the
current run's stored scores and normalised criterion values (their explanations, read once per run
into cached arrays), ranks the units, and compares the new top N with the current key
accounts.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Subquery, Window

from accounts.models import Account, AccountStatus, User
from kam.errors import DomainError, InvalidInput
from kam.expressions import InSubquery
from kam.kept import kept
from kam.permissions import require
from scoring.explanations import positive_values
from scoring.models import AccountScore, Criterion, CriterionKind, ScoringRun
from scoring.portfolio.tiles import Guardrail, portfolio_size_guardrail, share
from scoring.portfolio.top_n import Driver, criterion_drivers, leading
from scoring.portfolio.vectors import VECTORS_CACHE_SECONDS, RunVectors, run_key, run_vectors

KEY = AccountStatus.KEY.value
CANDIDATE_LIMIT = 50
KEY_ACCOUNT_LIMIT = 100
# Accounts listed as entering or leaving in the what-if, with their why (counts are complete).
PREVIEW_ROWS = 100


@dataclass
class PreviewRow:
    account_id: int
    name: str  # set, like `drivers`, for the rows the preview lists
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


def _ranks(points: Sequence[float], n: int, wanted: list[int]) -> dict[int, int]:
    """The new rank (highest points first, ties by account id) of the top `n` units and of
    the units at the indexes `wanted`, by index. The points come in ascending account-id
    order (as RunVectors holds the units), so one stable sort of every unit by its points,
    highest first, leaves level units in account-id order: done by numpy, a compiled sort (a
    tuple-keyed sort in Python took 70 ms of the what-if at 225,000 units)."""
    values = np.asarray(points, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(1, len(values) + 1)
    ranks = {index: position for position, index in enumerate(order[: max(n, 0)].tolist(), 1)}
    for index in wanted:
        ranks[index] = int(rank[index])
    return ranks


def _criterion_column(run: ScoringRun, criterion_pk: int, vectors: RunVectors) -> array:
    """A criterion's normalised value (0-1) of every unit of `vectors`, zero where it has
    none (most accounts have no rating for a rated criterion); kept per run (kam.kept)."""

    def read() -> array:
        position = vectors.position()
        column = array("d", bytes(8 * len(vectors.ids)))
        for account_id, normalised in positive_values(run, criterion_pk):
            index = position.get(account_id)
            if index is not None:
                column[index] = float(normalised)
        return column

    key = f"workbench:criterion:{run_key(run)}:{criterion_pk}"
    return kept(key, read, VECTORS_CACHE_SECONDS)


def _points(
    run: ScoringRun, vectors: RunVectors, base: float, changes: list[tuple[int, float]]
) -> np.ndarray:
    """Each unit's points under the proposed weights: its stored score (hundredths) x `base`
    plus the sum, in `changes` order, of each changed criterion's value x its change, as
    float64 arrays (the same operations, in the same order, as on Python floats: the ranks
    must not depend on how the sum is grouped)."""
    points = np.frombuffer(vectors.attractiveness, dtype=np.int64) * base
    if not changes:
        return points
    delta = None
    for pk, change in changes:
        part = np.frombuffer(_criterion_column(run, pk, vectors), dtype=np.float64) * change
        delta = part if delta is None else delta + part
    return points + delta


def run_weights(run: ScoringRun) -> dict[int, Decimal]:
    """{criterion pk: weight} the run scored with (frozen in run.weights by key when the run
    started); empty when the run did not record them. One query when it did."""
    if not run.weights:
        return {}
    keys = Criterion.objects.filter(key__in=list(run.weights)).values_list("pk", "key")
    return {pk: Decimal(run.weights[key]) for pk, key in keys}


def weights_preview(
    *,
    run: ScoringRun,
    weights: Mapping[int, Decimal],
    top_n: int | None = None,
    listed_rows: int = PREVIEW_ROWS,
) -> Preview:
    """Rank every account of `run` under the proposed `weights` ({criterion pk: weight}) and
    compare the top N (default: as many as there are key accounts now) with the key accounts.

    An account's points under the proposed weights are its points under the run's weights
    (the stored attractiveness x the run's total weight: the engine's score, to its rounding)
    plus, for each criterion whose weight changes, (proposed - run weight) x its normalised
    value; a criterion left out of `weights` counts zero, and a run that recorded no weights
    is recomputed from every criterion. Only the units of selection are ranked (a group's
    members never are), highest points first, ties by account id.

    The units' scores and each changed criterion's values come from the run's cached
    columns (`run_vectors`, `_criterion_column`: one query each, once per run); the ranking
    is done here, on arrays. The guardrails use the scoring run's thresholds: a key account
    is misplaced in the bottom half (2 x rank > n + 1), another account in the top decile
    (rank <= ceil(n / 10)). Queries: the run's weights, today's key accounts, and for the
    first `listed_rows` of each list their names and their why (their criteria under the
    proposed weights); nothing is written."""
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
    vectors = run_vectors(run)
    total = len(vectors.ids)
    if not total:
        return Preview(top_n=top_n or 0, accounts=0)
    base = float(base_weight) / 100  # the stored score is in hundredths
    points = _points(run, vectors, base, [(pk, float(changes[pk])) for pk in changed])
    key_ids = list(Account.objects.filter(status=KEY).values_list("id", flat=True))
    n = top_n if top_n is not None else len(key_ids)
    keys = vectors.indexes(key_ids)
    new_rank = _ranks(points, n, keys)
    keys.sort(key=new_rank.__getitem__)
    key_set = set(keys)
    decile = (total + 9) // 10
    preview = Preview(top_n=n, accounts=total)

    def row(index: int, is_key: bool) -> PreviewRow:
        return PreviewRow(
            account_id=vectors.ids[index],
            name="",
            is_key=is_key,
            revenue=Decimal(vectors.revenue[index]) / 100,
            old_rank=vectors.rank[index],
            old_score=Decimal(vectors.attractiveness[index]) / 100,
            new_rank=new_rank[index],
            new_score=float(points[index]) / float(total_weight),
        )

    top = sorted((index for index in new_rank if new_rank[index] <= n), key=new_rank.__getitem__)
    preview.entering = [row(index, False) for index in top if index not in key_set]
    preview.leaving = [row(index, True) for index in keys if new_rank[index] > n]
    preview.key_in_bottom_half = sum(1 for index in keys if 2 * new_rank[index] > total + 1)
    keys_in_top_decile = sum(1 for index in keys if new_rank[index] <= decile)
    preview.others_in_top_decile = min(decile, total) - keys_in_top_decile
    preview.top_revenue_pct = share(
        Decimal(sum(vectors.revenue[index] for index in top)), Decimal(sum(vectors.revenue))
    )
    listed = preview.entering[:listed_rows] + preview.leaving[:listed_rows]
    names = dict(
        Account.objects.filter(pk__in=[r.account_id for r in listed]).values_list("pk", "name")
    )
    for listed_row in listed:
        listed_row.name = names.get(listed_row.account_id, "")
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


@dataclass(frozen=True)
class KeyAccounts(AccountList):
    units: int  # the units of selection among them: what the portfolio size guardrail counts


def key_accounts(run: ScoringRun | None) -> KeyAccounts:
    """Key accounts with their KAM and run figures, best rank first, and how many there are
    (all of them and the units of selection); the accounts carry only what the list shows.
    One query: the key accounts are found by their status's index and read by key (a plan
    on the status alone scans every account)."""
    key_ids = Account.objects.key().values("pk")
    # Only what the list shows: the sort and the window go over every key account.
    listed = (
        Account.objects.filter(InSubquery(F("pk"), Subquery(key_ids)))
        .select_related("kam")
        .only("name", "kam__first_name", "kam__last_name", "kam__username")
    )
    queryset = with_run_scores(listed, run)
    order = [F("score_rank").asc(nulls_last=True)] if run else []
    accounts = list(
        queryset.order_by(*order, "name", "pk").annotate(
            total_rows=Window(Count("pk")),
            unit_rows=Window(Count("pk", filter=Q(parent__isnull=True))),
        )[:KEY_ACCOUNT_LIMIT]
    )
    first = accounts[0] if accounts else None
    return KeyAccounts(accounts, first.total_rows if first else 0, first.unit_rows if first else 0)


def candidates(run: ScoringRun | None) -> AccountList:
    """Accounts that are not key but are candidates: by status, by the 4x rule or in the
    Pareto set of the current run; best rank first, carrying only what the list shows (name,
    status, the run's rank and flags). Two queries: the first CANDIDATE_LIMIT in rank order
    (the (run, rank) index stops early) and the count."""
    not_key = Account.objects.exclude(status=KEY)
    if run is None:
        queryset = not_key.filter(status=AccountStatus.CANDIDATE).order_by("name", "pk")
        return _listed(queryset, CANDIDATE_LIMIT)
    # Key and candidate accounts are few: matching their ids (hashed subqueries) is cheaper
    # than joining every scored account to read its status.
    candidate_ids = Account.objects.filter(status=AccountStatus.CANDIDATE).values("pk")
    key_ids = Account.objects.filter(status=KEY).values("pk")
    units = AccountScore.objects.filter(run=run, is_unit=True)
    four_x_or_pareto = Q(is_4x=True) | Q(is_pareto=True)
    scores = units.filter(four_x_or_pareto | Q(account_id__in=candidate_ids)).exclude(
        account_id__in=key_ids
    )
    accounts = []
    listed = (
        scores.select_related("account")
        .only("rank", "is_4x", "is_pareto", "account__name", "account__status")
        .order_by("rank", "account_id")
    )
    for score in listed[:CANDIDATE_LIMIT]:
        account = score.account
        account.score_rank = score.rank
        account.score_is_4x = score.is_4x
        account.score_is_pareto = score.is_pareto
        accounts.append(account)
    # Counted in two disjoint parts the indexes answer: the flagged units that are not key,
    # and the units of the candidates by status that are not flagged (a candidate is never
    # key), read by key. The flagged units come from the partial index score_unit_flagged
    # alone, the candidates' ids from the (status, id) index.
    flagged_ids = units.filter(four_x_or_pareto).values("account_id")
    unflagged_candidates = candidate_ids.exclude(pk__in=flagged_ids)
    by_flag = flagged_ids.exclude(account_id__in=key_ids)
    by_status = units.filter(InSubquery(F("account_id"), Subquery(unflagged_candidates)))
    total = by_flag.union(by_status.values("account_id"), all=True).count()
    return AccountList(accounts, total)
