"""Form plumbing every app's forms use: Bootstrap styling, date inputs, a service's refusal put
on the fields it names, the version a versioned record was loaded at, and a choice among people
already loaded (no query to render or validate)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from kam.errors import InvalidInput

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


def style(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap classes on every visible widget."""
    size = " form-control-sm" if small else ""
    select_size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", f"form-select{select_size}")
        else:
            widget.attrs.setdefault("class", f"form-control{size}")


class RejectionsMixin:
    """Put a service's InvalidInput on the fields it names (the rest above the form)."""

    def add_rejection(self, rejection: InvalidInput) -> None:
        for name, messages in rejection.errors.items():
            self.add_error(name if name in self.fields else None, messages)


class VersionedMixin(RejectionsMixin):
    """Carries the version the user loaded; the service refuses a save over a newer one."""

    def with_version(self, version: int, **kwargs: Any) -> forms.BaseForm:
        """The same typed values bound again against `version` (after a conflict, to keep
        the user's text and save it over the current version if they choose to)."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        return type(self)(data, **self.rebuild_kwargs, **kwargs)

    def field_values(self) -> dict[str, Any]:
        """What the service is given: every field but the version."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PeopleChoiceField(forms.ChoiceField):
    """A choice among already loaded people (the KAM and the team): no query to render or
    validate; cleans to the User."""

    def __init__(self, people: Iterable[Any], *, required: bool = True, **kwargs: Any) -> None:
        self.people = {str(person.pk): person for person in people}
        choices = [(pk, str(person)) for pk, person in self.people.items()]
        if not required:
            choices = [("", "Nobody yet"), *choices]
        super().__init__(choices=choices, required=required, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.people.get(str(value)) if value else None

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, get_user_model()) else value
