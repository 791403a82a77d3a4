"""The customer base of the demo: who the customers are, how big, and which ones are key.

Everything is drawn from one seeded random.Random in a fixed order, so a seed gives the same
portfolio every time. Revenue is lognormal (sigma 1.65): the top fifth of customers makes
roughly four fifths of revenue, the Pareto shape real B2B portfolios have.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from accounts.demo import vocabulary as words
from accounts.models import AccountStatus, GeographicScope, Stage

MEDIAN_REVENUE = 40_000.0  # a year, in the reporting currency
REVENUE_SIGMA = 1.65
STAGE_SHARES = {  # of key accounts; every stage gets at least one
    Stage.EXPLORATORY: 0.07,
    Stage.TACTICAL: 0.17,
    Stage.COOPERATIVE: 0.30,
    Stage.INTERDEPENDENT: 0.23,
    Stage.STRATEGIC: 0.13,
    Stage.DISENGAGING: 0.10,
}


@dataclass(slots=True)
class Customer:
    """One customer as the generator sees it; becomes an Account row (pk set after insert)."""

    index: int
    erp_code: str
    name: str
    industry: str
    country: str
    region: str
    language: str
    scope: str
    revenue: float  # our revenue over the latest 12 months, before noise
    market_growth: float
    share_of_wallet: float  # our revenue / the customer's category spend
    turnover: float
    category_cumweights: list[float]
    price_level: float  # added to the cost-of-goods share: negotiated prices
    service_intensity: float
    status: str = AccountStatus.STANDARD
    stage: str = Stage.TACTICAL
    growth: float = 0.0  # yearly growth of our revenue with them
    first_month: int = 0  # index of the first month with sales in the window
    last_month: int = 0  # index after the last month with sales
    kam_index: int | None = None
    demanding: bool = False  # asks for far more special treatment than its size explains
    potential_pick: bool = False  # designated on potential rather than current volume
    rating_level: float = 3.0  # the KAM's overall view, 1-5, behind the individual ratings
    pk: int | None = None

    @property
    def category_spend(self) -> float:
        return self.revenue / self.share_of_wallet

    @property
    def short_name(self) -> str:
        """The name without its legal form, as people say it."""
        legal = words.LEGAL_FORMS[self.country]
        for form in sorted(legal, key=len, reverse=True):
            if self.name.endswith(" " + form):
                return self.name[: -len(form) - 1]
        return self.name

    @property
    def domain(self) -> str:
        """An invented e-mail domain for the customer's people."""
        ascii_name = ascii_fold(self.short_name.lower())
        slug = "-".join("".join(ch if ch.isalnum() else " " for ch in ascii_name).split())
        return f"{slug}.example"


def ascii_fold(text: str) -> str:
    """Plain ASCII for e-mail addresses: "Präzisionstechnik" -> "Prazisionstechnik"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def key_account_count(accounts: int) -> int:
    """~30 key accounts per 1,500 customers; at least one per relationship stage."""
    return min(accounts, max(len(Stage), round(accounts / 50)))


def candidate_count(accounts: int) -> int:
    return min(accounts - key_account_count(accounts), max(3, round(accounts / 25)))


def kam_count(keys: int) -> int:
    """Six KAMs for the demo; more for big portfolios so a KAM serves about five."""
    return max(len(words.KAMS), math.ceil(keys / 5))


def kam_loads(keys: int, kams: int) -> list[int]:
    """Key accounts per KAM: as even as possible, but one KAM above five when that is
    possible without leaving another below four, so the overload warning shows."""
    loads = [keys // kams + (1 if i < keys % kams else 0) for i in range(kams)]
    if max(loads) <= 5 and loads[-1] >= 5:
        loads[0] += 1
        loads[-1] -= 1
    return loads


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    cum = list(accumulate(weight for _, weight in pairs))
    return pairs[bisect(cum, rng.random() * cum[-1])][0]


def _unique_name(
    rng: random.Random, country: str, language: str, used: set[str]
) -> tuple[str, str]:
    surnames = words.SURNAMES[language]
    patterns = words.NAME_PATTERNS[language]
    legal_forms = words.LEGAL_FORMS[country]
    for attempt in range(12):
        pattern, industry = rng.choice(patterns)
        surname = rng.choice(surnames)
        roll = rng.random()
        if roll < 0.18 or attempt >= 4:
            other = rng.choice(surnames)
            if other != surname:
                surname = f"{surname} & {other}"
        stem = pattern.format(s=surname)
        if attempt >= 8 or (roll > 0.9 and attempt >= 2):
            stem = f"{stem} {rng.choice(words.CITIES[country])}"
        name = f"{stem} {rng.choice(legal_forms)}"
        if name not in used:
            used.add(name)
            return name, industry
    # A crowded word space (tens of thousands of customers): number the sites.
    base = f"{stem} {rng.choice(words.CITIES[country])}"
    serial = 2
    while f"{base} {serial} {legal_forms[0]}" in used:
        serial += 1
    name = f"{base} {serial} {legal_forms[0]}"
    used.add(name)
    return name, industry


def build_customers(rng: random.Random, accounts: int, months: int) -> list[Customer]:
    """The whole customer base with status, stage, growth and KAM assignment decided."""
    regions = [(name, weight) for name, (weight, _) in words.REGIONS.items()]
    used_names: set[str] = set()
    customers: list[Customer] = []
    mu = math.log(MEDIAN_REVENUE)
    for index in range(accounts):
        region = _weighted(rng, regions)
        country = _weighted(rng, words.REGIONS[region][1])
        language = words.LANGUAGE[country]
        name, industry = _unique_name(rng, country, language, used_names)
        revenue = max(600.0, math.exp(rng.gauss(mu, REVENUE_SIGMA)))
        mix = [w * rng.uniform(0.4, 1.6) for w in words.INDUSTRY_MIX[industry]]
        if rng.random() < 0.5:  # many customers buy only some of our categories
            mix[rng.randrange(len(mix))] = 0.0
        total = sum(mix)
        customers.append(
            Customer(
                index=index,
                erp_code=f"C{100001 + index}",
                name=name,
                industry=industry,
                country=country,
                region=region,
                language=language,
                scope=GeographicScope.NATIONAL,
                revenue=revenue,
                market_growth=words.INDUSTRY_GROWTH[industry] + rng.gauss(0, 2.0),
                share_of_wallet=rng.uniform(0.05, 0.6),
                turnover=0.0,
                category_cumweights=[c / total for c in accumulate(mix)],
                price_level=rng.gauss(0, 0.025),
                service_intensity=math.exp(rng.gauss(0, 0.8)),
            )
        )
    by_size = sorted(customers, key=lambda c: c.revenue, reverse=True)
    for rank, customer in enumerate(by_size):
        size_pct = 1 - rank / accounts
        roll = rng.random()
        if roll < 0.05 + 0.5 * size_pct**3:
            customer.scope = GeographicScope.INTERNATIONAL
        elif roll > 0.55 + 0.2 * size_pct:
            customer.scope = GeographicScope.LOCAL
    _designate(rng, by_size)
    _shape(rng, customers, months)
    return customers


def _designate(rng: random.Random, by_size: list[Customer]) -> None:
    """Key accounts mostly from the biggest customers, a few chosen on potential (big
    category spend, low share), some big customers left standard; then candidates."""
    accounts = len(by_size)
    keys = key_account_count(accounts)
    candidates = candidate_count(accounts)
    on_potential = max(1, keys // 8)
    big_keys = keys - on_potential
    pool = max(math.ceil(accounts * 0.035), big_keys + math.ceil(big_keys / 3))
    chosen = rng.sample(by_size[:pool], big_keys)
    mid = by_size[pool : max(pool + on_potential + candidates, accounts // 5)]
    mid_by_headroom = sorted(mid, key=lambda c: c.category_spend * (1 + c.market_growth / 10))
    potential = mid_by_headroom[-on_potential:]
    for customer in potential:
        customer.potential_pick = True
    key_accounts = chosen + potential
    for customer in key_accounts:
        customer.status = AccountStatus.KEY
    rest_of_pool = [c for c in by_size[:pool] if c.status == AccountStatus.STANDARD]
    others = [c for c in mid if c.status == AccountStatus.STANDARD]
    picked = rest_of_pool[: max(0, candidates - candidates // 3)]
    picked += rng.sample(others, min(len(others), candidates - len(picked)))
    for customer in picked:
        customer.status = AccountStatus.CANDIDATE

    stages = _stage_list(len(key_accounts))
    rng.shuffle(stages)
    # Accounts chosen on potential are young relationships.
    key_accounts.sort(key=lambda c: c.potential_pick, reverse=True)
    young = [s for s in stages if s in (Stage.EXPLORATORY, Stage.TACTICAL)]
    old = [s for s in stages if s not in (Stage.EXPLORATORY, Stage.TACTICAL)]
    for customer, stage in zip(key_accounts, young + old, strict=True):
        customer.stage = stage
    rng.shuffle(key_accounts)

    kams = kam_count(len(key_accounts))
    slots = [i for i, load in enumerate(kam_loads(len(key_accounts), kams)) for _ in range(load)]
    for customer, kam_index in zip(key_accounts, slots, strict=True):
        customer.kam_index = kam_index
        customer.rating_level = rng.uniform(3.0, 4.6)
    # Two key accounts the KAMs no longer rate highly: the misclassification check's material.
    for customer in rng.sample(key_accounts, min(2, len(key_accounts))):
        customer.rating_level = rng.uniform(1.6, 2.6)
    for position, customer in enumerate(sorted(picked, key=lambda c: c.index)):
        customer.kam_index = position % kams
        customer.rating_level = rng.uniform(2.3, 4.3)
    # Customers that ask for far more than their size explains: the loss-makers among the big.
    for customer in rng.sample(key_accounts, max(1, round(len(key_accounts) * 0.2))):
        customer.demanding = True
    for customer in by_size[: max(1, accounts // 5)]:
        if customer.status != AccountStatus.KEY and rng.random() < 0.08:
            customer.demanding = True


def _stage_list(keys: int) -> list[str]:
    exact = {stage: share * keys for stage, share in STAGE_SHARES.items()}
    counts = {stage: max(1, int(value)) for stage, value in exact.items()}
    by_remainder = sorted(exact, key=lambda s: exact[s] - int(exact[s]), reverse=True)
    position = 0
    while sum(counts.values()) < keys:
        counts[by_remainder[position % len(by_remainder)]] += 1
        position += 1
    while sum(counts.values()) > keys:
        biggest = max(counts, key=counts.get)
        counts[biggest] -= 1
    return [stage for stage, count in counts.items() for _ in range(count)]


KEY_GROWTH = {
    Stage.EXPLORATORY: (0.15, 0.45),
    Stage.TACTICAL: (-0.05, 0.10),
    Stage.COOPERATIVE: (-0.02, 0.12),
    Stage.INTERDEPENDENT: (0.03, 0.16),
    Stage.STRATEGIC: (0.05, 0.18),
    Stage.DISENGAGING: (-0.35, -0.12),
}
KEY_SHARE_OF_WALLET = {
    Stage.EXPLORATORY: (0.06, 0.2),
    Stage.TACTICAL: (0.15, 0.4),
    Stage.COOPERATIVE: (0.3, 0.6),
    Stage.INTERDEPENDENT: (0.5, 0.8),
    Stage.STRATEGIC: (0.6, 0.9),
    Stage.DISENGAGING: (0.25, 0.55),
}


def _shape(rng: random.Random, customers: list[Customer], months: int) -> None:
    """Growth, share of wallet, lifetime in the window, size, stage of every customer."""
    for customer in customers:
        customer.last_month = months
        if customer.status == AccountStatus.KEY:
            customer.growth = rng.uniform(*KEY_GROWTH[customer.stage])
            customer.share_of_wallet = (
                rng.uniform(0.04, 0.12)
                if customer.potential_pick
                else rng.uniform(*KEY_SHARE_OF_WALLET[customer.stage])
            )
            if customer.stage == Stage.EXPLORATORY:
                customer.first_month = max(0, months - rng.randint(12, 20))
        elif customer.status == AccountStatus.CANDIDATE:
            customer.growth = rng.uniform(0.0, 0.25)
            customer.stage = rng.choice(
                [Stage.TACTICAL, Stage.TACTICAL, Stage.COOPERATIVE, Stage.EXPLORATORY]
            )
        else:
            roll = rng.random()
            if roll < 0.55:
                customer.growth = rng.gauss(0.02, 0.05)
            elif roll < 0.77:
                customer.growth = rng.uniform(0.08, 0.3)
            else:
                customer.growth = rng.uniform(-0.3, -0.06)
            roll = rng.random()
            customer.stage = (
                Stage.TACTICAL
                if roll < 0.6
                else Stage.EXPLORATORY
                if roll < 0.9
                else Stage.COOPERATIVE
            )
            roll = rng.random()
            if roll < 0.04:  # won during the window
                customer.first_month = rng.randint(6, months - 6)
            elif roll < 0.07:  # lost during the window
                customer.last_month = rng.randint(months // 3, months - 3)
            if rng.random() < 0.015:  # the category-spend estimate is stale: below our revenue
                customer.share_of_wallet = rng.uniform(1.02, 1.15)
        customer.turnover = customer.category_spend * rng.uniform(12, 80)
