"""Accounts and the relationship around each key account: stage and designation history,
team, decision-making unit, the KAM's ratings and the quarterly effectiveness measures."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.demo import vocabulary as words
from accounts.demo.customers import Customer, ascii_fold
from accounts.demo.people import Cast
from accounts.demo.volumes import Window
from accounts.models import (
    Account,
    AccountStatus,
    Attitude,
    Contact,
    DesignationChange,
    FunctionalRole,
    Interaction,
    InteractionKind,
    Stage,
    StageChange,
    TeamMembership,
    Tier,
)

LADDER = [
    Stage.EXPLORATORY,
    Stage.TACTICAL,
    Stage.COOPERATIVE,
    Stage.INTERDEPENDENT,
    Stage.STRATEGIC,
]
HISTORY_REASON = "Demo portfolio"


def at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment on a day, in the current time zone."""
    moment = dt.datetime.combine(day, dt.time(8 + rng.randrange(9), rng.randrange(60)))
    return timezone.make_aware(moment)


@dataclass
class Timeline:
    """How one account got where it is: stage moves and designation changes, oldest first.

    Stage moves: (from, to, reason, day, KAM index); designations: (from status, to status,
    from KAM index, to KAM index, reason, day)."""

    stages: list[tuple[str, str, str, dt.date, int | None]] = field(default_factory=list)
    designations: list[tuple[str, str, int | None, int | None, str, dt.date]] = field(
        default_factory=list
    )
    stage_since: dt.date | None = None
    designated_on: dt.date | None = None


def plan_timelines(
    rng: random.Random, customers: list[Customer], window: Window, kams: int
) -> dict[int, Timeline]:
    """Dated history for key accounts and candidates (other customers have none)."""
    anchor = window.anchor
    timelines = {}
    for customer in customers:
        if customer.status == AccountStatus.STANDARD:
            continue
        timeline = Timeline()
        if customer.stage == Stage.DISENGAGING:
            peak = rng.choice([Stage.COOPERATIVE, Stage.INTERDEPENDENT])
            path = [*LADDER[: LADDER.index(peak) + 1], Stage.DISENGAGING]
        else:
            path = LADDER[: LADDER.index(customer.stage) + 1]
        last_move = anchor - dt.timedelta(days=rng.randint(30, 540))
        if customer.potential_pick or customer.status == AccountStatus.CANDIDATE:
            last_move = anchor - dt.timedelta(days=rng.randint(30, 200))
        first = last_move - dt.timedelta(days=(len(path) - 1) * rng.randint(120, 400))
        gap = (last_move - first) / max(1, len(path) - 1)
        stage_days = [first + gap * step for step in range(len(path))]

        kam = customer.kam_index
        previous_kam = None
        if customer.status == AccountStatus.KEY:
            span = (anchor - first).days
            designated = first + dt.timedelta(days=int(span * rng.uniform(0.3, 0.85)))
            nominated = max(first, designated - dt.timedelta(days=rng.randint(30, 300)))
            reassigned = None
            if kams > 1 and len(path) >= 3 and rng.random() < 0.12:
                previous_kam = (kam + 1 + rng.randrange(kams - 1)) % kams
                reassigned = designated + (anchor - designated) * rng.uniform(0.3, 0.8)
            first_kam = previous_kam if previous_kam is not None else kam
            timeline.designations.append(
                (
                    AccountStatus.STANDARD,
                    AccountStatus.CANDIDATE,
                    None,
                    first_kam,
                    rng.choice(words.DESIGNATION_REASONS["candidate"]),
                    nominated,
                )
            )
            timeline.designations.append(
                (
                    AccountStatus.CANDIDATE,
                    AccountStatus.KEY,
                    first_kam,
                    first_kam,
                    rng.choice(words.DESIGNATION_REASONS["key"]),
                    designated,
                )
            )
            if reassigned is not None:
                timeline.designations.append(
                    (
                        AccountStatus.KEY,
                        AccountStatus.KEY,
                        previous_kam,
                        kam,
                        rng.choice(words.DESIGNATION_REASONS["reassign"]),
                        reassigned,
                    )
                )
            timeline.designated_on = designated
        else:
            nominated = anchor - dt.timedelta(days=rng.randint(20, 330))
            reassigned = None
            timeline.designations.append(
                (
                    AccountStatus.STANDARD,
                    AccountStatus.CANDIDATE,
                    None,
                    kam,
                    rng.choice(words.DESIGNATION_REASONS["candidate"]),
                    nominated,
                )
            )
        previous = ""
        for stage, day in zip(path, stage_days, strict=True):
            mover = previous_kam if reassigned is not None and day < reassigned else kam
            timeline.stages.append(
                (previous, stage, rng.choice(words.STAGE_REASONS[stage]), day, mover)
            )
            previous = stage
        timeline.stage_since = stage_days[-1]
        timelines[customer.index] = timeline
    return timelines


# A demo group: a top and four members, two entities under the top and two plants under the
# first entity (depth 2).
GROUP_MEMBERS = 4


def create_groups(rng: random.Random, customers: list[Customer], share: float) -> int:
    """Put about `share` of the customers into groups of companies: each group is a top (a
    key account first, every other one, then standard customers) with GROUP_MEMBERS standard
    customers below it, two entities and two plants under the first entity. Members are
    standard customers only (designation belongs to the top). One bulk update; the number of
    groups."""
    members_wanted = int(len(customers) * share)
    groups = members_wanted // GROUP_MEMBERS
    if groups == 0:
        return 0
    standard = [c for c in customers if c.status == AccountStatus.STANDARD]
    rng.shuffle(standard)
    keys = [c for c in customers if c.status == AccountStatus.KEY][::2]
    tops = keys[:groups]
    pool = iter(standard)
    tops += [next(pool) for _ in range(groups - len(tops))]
    moved = []
    for top in tops:
        first, second, *plants = [next(pool, None) for _ in range(GROUP_MEMBERS)]
        for member, parent in [(first, top), (second, top), *((plant, first) for plant in plants)]:
            if member is not None and parent is not None:
                moved.append(Account(pk=member.pk, parent_id=parent.pk))
    Account.objects.bulk_update(moved, ["parent"], batch_size=2000)
    return len(tops)


# The benchmark dataset's large key-account group (issue 19: its white-space map is 50 members
# by 40 categories): a key account with WIDE_GROUP_ENTITIES country entities below it, each
# with its share of the plants; 50 members in all.
WIDE_GROUP_MEMBERS = 50
WIDE_GROUP_ENTITIES = 5


@dataclass
class WideGroup:
    top: Customer
    members: list[Customer]  # the entities first, then the plants


def create_wide_group(rng: random.Random, customers: list[Customer]) -> WideGroup | None:
    """Make the largest key account not yet in a group the top of a group of
    WIDE_GROUP_MEMBERS standard customers not yet in one (fewer if the base has fewer):
    WIDE_GROUP_ENTITIES entities under the top and the plants shared out under them (depth
    2). Two statements (the accounts in groups, one bulk update); None without a key account
    or a free standard customer."""
    in_groups: set[int] = set()
    for pk, parent_id in Account.objects.filter(parent__isnull=False).values_list(
        "pk", "parent_id"
    ):
        in_groups.update((pk, parent_id))
    keys = [c for c in customers if c.status == AccountStatus.KEY and c.pk not in in_groups]
    free = [c for c in customers if c.status == AccountStatus.STANDARD and c.pk not in in_groups]
    if not keys or not free:
        return None
    top = max(keys, key=lambda c: (c.revenue, -c.index))
    members = rng.sample(free, min(WIDE_GROUP_MEMBERS, len(free)))
    entities = members[:WIDE_GROUP_ENTITIES]
    moved = [Account(pk=entity.pk, parent_id=top.pk) for entity in entities]
    for position, plant in enumerate(members[WIDE_GROUP_ENTITIES:]):
        moved.append(Account(pk=plant.pk, parent_id=entities[position % len(entities)].pk))
    Account.objects.bulk_update(moved, ["parent"], batch_size=2000)
    return WideGroup(top=top, members=members)


def create_accounts(
    rng: random.Random,
    customers: list[Customer],
    timelines: dict[int, Timeline],
    cast: Cast,
    window: Window,
) -> None:
    """Insert every customer as an Account (with its creation in the history) and set pk."""
    rows = []
    for customer in customers:
        timeline = timelines.get(customer.index)
        if timeline is not None:
            stage_since = at(timeline.stage_since, rng)
        else:
            stage_since = at(window.anchor - dt.timedelta(days=rng.randint(60, 2000)), rng)
        designated_at = (
            at(timeline.designated_on, rng) if timeline and timeline.designated_on else None
        )
        is_key = customer.status == AccountStatus.KEY
        tier = None
        if is_key:
            tier = (
                Tier.ONE if customer.stage in (Stage.INTERDEPENDENT, Stage.STRATEGIC) else Tier.TWO
            )
        elif customer.status == AccountStatus.CANDIDATE:
            tier = Tier.THREE
        rows.append(
            Account(
                erp_code=customer.erp_code,
                name=customer.name,
                industry=customer.industry,
                country=customer.country,
                region=customer.region,
                geographic_scope=customer.scope,
                turnover=Decimal(max(1, round(customer.turnover / 100_000)) * 100_000),
                market_growth_pct=Decimal(f"{customer.market_growth:.2f}"),
                category_spend=Decimal(max(1, round(customer.category_spend / 1000)) * 1000),
                status=customer.status,
                tier=tier,
                kam=cast.kams[customer.kam_index] if customer.kam_index is not None else None,
                stage=customer.stage,
                stage_since=stage_since,
                designated_at=designated_at,
            )
        )
    created = Account.objects.bulk_create(rows, batch_size=2000)
    for customer, account in zip(customers, created, strict=True):
        customer.pk = account.pk
    # Key accounts and candidates get their creation in the history (people open it); the
    # standard customers arrive like an ERP import, without tens of thousands of history rows.
    Account.history.bulk_history_create(
        [a for a in created if a.status != AccountStatus.STANDARD],
        batch_size=2000,
        default_change_reason=HISTORY_REASON,
    )


def create_histories(
    rng: random.Random, customers: list[Customer], timelines: dict[int, Timeline], cast: Cast
) -> tuple[int, int]:
    stage_rows = []
    designation_rows = []
    for customer in customers:
        timeline = timelines.get(customer.index)
        if timeline is None:
            continue
        for from_stage, to_stage, reason, day, mover in timeline.stages:
            stage_rows.append(
                StageChange(
                    account_id=customer.pk,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    reason=reason,
                    changed_by=cast.kams[mover] if mover is not None else cast.director,
                    changed_at=at(day, rng),
                )
            )
        for from_status, to_status, from_kam, to_kam, reason, day in timeline.designations:
            designation_rows.append(
                DesignationChange(
                    account_id=customer.pk,
                    from_status=from_status,
                    to_status=to_status,
                    from_kam=cast.kams[from_kam] if from_kam is not None else None,
                    to_kam=cast.kams[to_kam] if to_kam is not None else None,
                    reason=reason,
                    changed_by=cast.director,
                    changed_at=at(day, rng),
                )
            )
    StageChange.objects.bulk_create(stage_rows, batch_size=2000)
    DesignationChange.objects.bulk_create(designation_rows, batch_size=2000)
    return len(stage_rows), len(designation_rows)


TEAM_ROLES = [
    FunctionalRole.LOGISTICS,
    FunctionalRole.CUSTOMER_SERVICE,
    FunctionalRole.FINANCE,
    FunctionalRole.MARKETING,
    FunctionalRole.IT,
    FunctionalRole.RND,
    FunctionalRole.EXECUTIVE_SPONSOR,
    FunctionalRole.SALES,
]


def create_teams(rng: random.Random, keys: list[Customer], cast: Cast) -> dict[int, list]:
    """2-5 people per key account: always an engineer, then a mix of functions; the director
    sponsors some accounts and another KAM backs up on sales for others."""
    teams: dict[int, list] = {}
    rows = []
    for customer in keys:
        size = rng.randint(2, 5)
        roles = [FunctionalRole.ENGINEERING, *rng.sample(TEAM_ROLES, size - 1)]
        members = []
        for role in roles:
            if role == FunctionalRole.EXECUTIVE_SPONSOR:
                user = cast.director
            elif role == FunctionalRole.SALES:
                others = [k for i, k in enumerate(cast.kams) if i != customer.kam_index]
                user = rng.choice(others)
            else:
                user = rng.choice(cast.staff[role])
            members.append(user)  # one person per function: no one is on a team twice
            rows.append(TeamMembership(account_id=customer.pk, user=user, functional_role=role))
        teams[customer.index] = members
    TeamMembership.objects.bulk_create(rows, batch_size=2000)
    return teams


ATTITUDES = {  # supporter, neutral, detractor weights by stage
    Stage.EXPLORATORY: (2, 6, 2),
    Stage.TACTICAL: (3, 5, 2),
    Stage.COOPERATIVE: (5, 4, 1),
    Stage.INTERDEPENDENT: (6, 3, 1),
    Stage.STRATEGIC: (7, 3, 0.5),
    Stage.DISENGAGING: (2, 4, 4),
}


def create_contacts(
    rng: random.Random,
    keys: list[Customer],
    teams: dict[int, list],
    cast: Cast,
    window: Window,
) -> int:
    """4-10 DMU contacts per key account with buying roles, influence and attitudes; most
    have an owner on our side, and the stronger the relationship the fresher the contact."""
    rows = []
    for customer in keys:
        mature = customer.stage in (Stage.INTERDEPENDENT, Stage.STRATEGIC)
        count = rng.randint(6, 10) if mature else rng.randint(4, 7)
        roles = [words.DMU_ROLES[rng.randrange(4)]]  # every DMU has a decision maker
        roles += rng.sample([r for r in words.DMU_ROLES if r != roles[0]], count - 1)
        owners = [cast.kams[customer.kam_index], *teams[customer.index]]
        first_names = words.FIRST_NAMES.get(customer.language, words.FIRST_NAMES["en"])
        surnames = words.SURNAMES[customer.language]
        used, addresses = set(), set()
        for title, function, buying_role, (low, high) in roles:
            name = f"{rng.choice(first_names)} {rng.choice(surnames)}"
            while name in used:
                name = f"{rng.choice(first_names)} {rng.choice(surnames)}"
            used.add(name)
            owner = None
            roll = rng.random()
            if roll < 0.5:
                owner = owners[0]
            elif roll < (0.85 if mature else 0.75):
                owner = rng.choice(owners)
            if owner is not None:
                recent = 0.8 if mature else 0.55
                days_ago = rng.randint(3, 89) if rng.random() < recent else rng.randint(90, 300)
                last_contact = window.anchor - dt.timedelta(days=days_ago)
            elif rng.random() < 0.5:
                last_contact = window.anchor - dt.timedelta(days=rng.randint(120, 500))
            else:
                last_contact = None
            attitude = rng.choices(
                [Attitude.SUPPORTER, Attitude.NEUTRAL, Attitude.DETRACTOR],
                weights=ATTITUDES[customer.stage],
            )[0]
            local = ascii_fold(name.lower().replace(" ", ".").replace("'", ""))
            # Folding accents may make two names one address; e-mail is unique per account.
            address, suffix = local, 1
            while address in addresses:
                suffix += 1
                address = f"{local}{suffix}"
            addresses.add(address)
            rows.append(
                Contact(
                    account_id=customer.pk,
                    name=name,
                    title=title,
                    function=function,
                    buying_role=buying_role,
                    influence=rng.randint(low, high),
                    attitude=attitude,
                    relationship_owner=owner,
                    last_contact_on=last_contact,
                    email=f"{address}@{customer.domain}",
                )
            )
    bulk_create_with_history(rows, Contact, batch_size=2000, default_change_reason=HISTORY_REASON)
    return len(rows)


INTERACTION_SUBJECTS = [
    ("Quarterly business review", "Reviewed volumes and service levels; no open escalations."),
    ("Forecast call", "Walked through next quarter's forecast and the order plan."),
    ("Plant visit", "Toured the line; two ideas to cut changeover time."),
    ("Technical follow-up", "Answered the tolerance questions raised by their engineers."),
    ("Pricing discussion", "They asked for index-linked pricing; we will propose a model."),
]
NEXT_STEPS = ["Send the minutes and the action list.", "Propose dates for a joint workshop.", ""]


def create_interactions(rng: random.Random) -> int:
    """The meeting or call behind each owned contact's last contact date: on that day, with
    that contact and its owner on our side, so the timeline and DMU coverage agree."""
    contacts = Contact.objects.filter(
        relationship_owner__isnull=False, last_contact_on__isnull=False
    ).order_by("pk")
    interactions, met = [], []
    for contact in contacts:
        subject, notes = rng.choice(INTERACTION_SUBJECTS)
        interactions.append(
            Interaction(
                account_id=contact.account_id,
                occurred_on=contact.last_contact_on,
                kind=rng.choice(
                    [InteractionKind.MEETING, InteractionKind.CALL, InteractionKind.VISIT]
                ),
                subject=subject,
                notes=notes,
                next_steps=rng.choice(NEXT_STEPS),
                recorded_by_id=contact.relationship_owner_id,
            )
        )
        met.append(contact)
    Interaction.objects.bulk_create(interactions, batch_size=2000)
    Interaction.contacts.through.objects.bulk_create(
        [
            Interaction.contacts.through(interaction_id=row.pk, contact_id=contact.pk)
            for row, contact in zip(interactions, met, strict=True)
        ],
        batch_size=2000,
    )
    Interaction.our_people.through.objects.bulk_create(
        [
            Interaction.our_people.through(
                interaction_id=row.pk, user_id=contact.relationship_owner_id
            )
            for row, contact in zip(interactions, met, strict=True)
        ],
        batch_size=2000,
    )
    return len(interactions)
