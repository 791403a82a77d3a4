"""What every app's edit pages share: a service's refusal shown on the form, and a conflict
shown field by field.

When a save meets a newer version, the page shows each field as the user typed it and as it
is stored now, and the form again with the user's values bound to the current version: saving
it keeps theirs, reloading the edit page takes the current one, and editing merges the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.http import HttpRequest

from kam import errors
from kam.diffing import FieldDiff, field_diffs
from kam.errors import InvalidInput
from kam.formats import day, moment
from kam.forms import RejectionsMixin


@contextmanager
def refusals_on(form: Any) -> Iterator[None]:
    """Run a service for a form: refused values go on their fields and a refused rule above the
    form (the page is shown again with what was typed); a permission refusal goes on to the 403
    page (kam.permissions). A conflict is the caller's to show, so it catches
    `errors.ConflictError` inside the block."""
    try:
        yield
    except errors.PermissionDenied:
        raise
    except InvalidInput as rejection:
        if isinstance(form, RejectionsMixin):
            form.add_rejection(rejection)
        else:
            form.add_error(None, str(rejection))
    except errors.DomainError as refusal:
        form.add_error(None, str(refusal))


@contextmanager
def refusals_shown(request: HttpRequest) -> Iterator[None]:
    """Run a service for a button: a refused rule is an error message on the page the user goes
    back to, and the rest of the block (the success message) is skipped; a permission refusal
    goes on to the 403 page (kam.permissions)."""
    try:
        yield
    except errors.PermissionDenied:
        raise
    except errors.DomainError as refusal:
        messages.error(request, str(refusal))


def call_service(form: Any, call: Callable[[], Any]) -> Any:
    """`call()` under `refusals_on(form)`: the service's result, or None when it was refused."""
    with refusals_on(form):
        return call()
    return None


def display(field: forms.Field, value: Any) -> str:
    """A value as the user reads it: a choice's label, a person's name, a date in the app's
    format."""
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime):
        return moment(value)
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    return str(value)


def conflict_fields(form: forms.Form, current: models.Model) -> list[FieldDiff]:
    """The form's fields (the version aside) as typed and as stored in `current`."""
    names = [name for name in form.fields if name != "version"]
    labels = {name: str(form.fields[name].label or name) for name in names}
    mine = {name: display(form.fields[name], form.cleaned_data.get(name)) for name in names}
    stored = {name: display(form.fields[name], getattr(current, name)) for name in names}
    return field_diffs(labels, mine, stored)
