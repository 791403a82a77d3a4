"""Writing records the way every app's services do: the model's own validation as
InvalidInput, refusal of fields callers may not set, versioned updates
(no lost update: one `UPDATE ... SET version = version + 1 WHERE pk = ? AND version = ?`; of two
saves made against the same version exactly one matches the row, the other raises ConflictError
with the current version, and the page shows both texts so nothing typed is lost) and history
rows for set-based writes. The actor's permission is asked with kam.permissions.require."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from simple_history.utils import get_history_manager_for_model

from kam.errors import ConflictError, DomainError, Gone, InvalidInput


def known_fields(fields: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    """Refuse fields a service does not let callers set (ids, versions, timestamps)."""
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise DomainError(f"A {what} has no editable field {', '.join(unknown)}.")


def validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's own validation (field validators, choices, check constraints) and turn
    a failure into InvalidInput, so API and pages get the same messages."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput(error.message_dict) from None


def versioned_update(
    model: type[models.Model], pk: int, expected_version: int, what: str, **values: Any
) -> None:
    """Write `values` only if the row is still at `expected_version`, bumping the version, in
    one statement: of two concurrent saves against the same version only one can match.

    Raises ConflictError (with the current version) when someone saved in between, and
    Gone when the row was deleted meanwhile.
    """
    updated = model.objects.filter(pk=pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated == 1:
        return
    version = model.objects.filter(pk=pk).values_list("version", flat=True).first()
    if version is None:
        raise gone(what)
    raise conflict_error(what, expected_version, version)


def gone(what: str) -> Gone:
    return Gone(f"This {what} no longer exists: someone deleted it.")


def current[M: models.Model](model: type[M], pk: int, what: str) -> M:
    """The row as stored now, to change it: Gone (404) when it was deleted meanwhile, e.g. by
    a delete racing the edit."""
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist:
        raise gone(what) from None


@contextmanager
def refused_if_taken(constraint: str, error: DomainError) -> Iterator[None]:
    """Insert or update inside a savepoint; if the database refuses it under `constraint` (a
    unique row another request wrote between our check and our write, as a double submit
    does), raise `error`, the refusal the check gives, instead of the database's error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as integrity:
        if constraint not in str(integrity):
            raise
        raise error from None


def conflict_error(what: str, expected_version: int, current_version: int) -> ConflictError:
    return ConflictError(
        f"Someone else saved this {what} after you opened it (you edited version "
        f"{expected_version}, it is now at version {current_version}).",
        current_version=current_version,
    )


def history_record(instance: models.Model, *, actor: Any | None, reason: str) -> None:
    """Write a "changed" history row of `instance` as it is now, attributed to `actor`: for
    writes that bypass save() (set-based updates) or change something the row does not hold."""
    # simple-history prefers what an earlier save() left on the object (its user, reason and
    # date) to the defaults: a copy without them says this change's.
    row = copy.copy(instance)
    for stale in ("_history_user", "_change_reason", "_history_date"):
        row.__dict__.pop(stale, None)
    get_history_manager_for_model(type(instance)).bulk_history_create(
        [row], update=True, default_user=actor, default_change_reason=reason[:100]
    )
