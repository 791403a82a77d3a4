"""The demo's people: director, KAMs, operations, administrator, team staff (the service
teams are plans', in plans/demo.py).

Users the seeder creates carry an e-mail address at DEMO_EMAIL_DOMAIN; that is how `--reset`
tells them from people who were added by hand (those are never deleted).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from accounts.demo import vocabulary as words
from accounts.models import FunctionalRole, User
from kam import rules as kam_rules

DEMO_EMAIL_DOMAIN = "demo.kam.example"


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    name: str
    password: str  # what to type, or a note when an existing user was left unchanged


@dataclass
class Cast:
    director: User
    kams: list[User]
    operations: list[User]
    admin: User
    staff: dict[str, list[User]]  # functional role -> users
    logins: list[Login] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    username: str
    first_name: str
    last_name: str
    role: str
    groups: tuple[str, ...]
    superuser: bool = False
    function: str = ""


def _people(rng: random.Random, kams: int, keys: int) -> list[_Person]:
    people = [
        _Person(*words.DIRECTOR, "Sales director", (kam_rules.DIRECTOR_GROUP,)),
    ]
    for number in range(1, kams + 1):
        if number <= len(words.KAMS):
            _, first, last = words.KAMS[number - 1]
        else:
            first = rng.choice(words.STAFF_NAME_POOL_FIRST)
            last = rng.choice(words.STAFF_NAME_POOL_LAST)
        people.append(
            _Person(f"kam{number}", first, last, "Key account manager", (kam_rules.KAM_GROUP,))
        )
    for username, first, last in words.OPERATIONS:
        people.append(_Person(username, first, last, "Operations", (kam_rules.OPERATIONS_GROUP,)))
    # Team staff scale with the number of key accounts so no one sits on hundreds of teams.
    factor = max(1, -(-keys // 30))
    for stem, function, names in words.STAFF:
        for number in range(1, len(names) * factor + 1):
            if number <= len(names):
                first, last = names[number - 1]
            else:
                first = rng.choice(words.STAFF_NAME_POOL_FIRST)
                last = rng.choice(words.STAFF_NAME_POOL_LAST)
            label = FunctionalRole(function).label
            people.append(
                _Person(
                    f"{stem}{number}", first, last, f"Team member ({label})", (), False, function
                )
            )
    people.append(_Person(*words.ADMIN, "Administrator", (kam_rules.ADMIN_GROUP,), superuser=True))
    return people


def create_cast(rng: random.Random, *, kams: int, keys: int, password: str) -> Cast:
    """Create the demo users (one password hash for all: hashing is deliberately slow) and
    put them in their role groups. A username that already exists is reused, untouched."""
    people = _people(rng, kams, keys)
    existing = {
        u.username: u for u in User.objects.filter(username__in=[p.username for p in people])
    }
    encoded = make_password(password)
    new_users = [
        User(
            username=p.username,
            first_name=p.first_name,
            last_name=p.last_name,
            email=f"{p.username}@{DEMO_EMAIL_DOMAIN}",
            password=encoded,
            is_staff=p.superuser,
            is_superuser=p.superuser,
        )
        for p in people
        if p.username not in existing
    ]
    created = {u.username: u for u in User.objects.bulk_create(new_users)}
    users = existing | created
    groups = {g.name: g.pk for g in Group.objects.filter(name__in=kam_rules.ROLE_BY_GROUP)}
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [
            Membership(user_id=created[p.username].pk, group_id=groups[name])
            for p in people
            if p.username in created
            for name in p.groups
        ]
    )
    staff: dict[str, list[User]] = {}
    for p in people:
        if p.function:
            staff.setdefault(p.function, []).append(users[p.username])
    logins = [
        Login(
            p.username,
            p.role,
            f"{p.first_name} {p.last_name}",
            password if p.username in created else "(existing user, unchanged)",
        )
        for p in people
    ]
    return Cast(
        director=users[words.DIRECTOR[0]],
        kams=[users[f"kam{n}"] for n in range(1, kams + 1)],
        operations=[users[username] for username, _, _ in words.OPERATIONS],
        admin=users[words.ADMIN[0]],
        staff=staff,
        logins=logins,
    )
