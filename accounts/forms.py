"""Forms of the account workspace: stage moves, contacts, the team and interactions (the
ratings form is scoring's).

They parse and show what was typed; the rules are the services' (accounts.services), whose
refusals are put back on the form with the typed values kept."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import (
    INFLUENCE_VALUES,
    ActivityType,
    Contact,
    FunctionalRole,
    InteractionKind,
    Stage,
    User,
)
from kam.bounds import MAX_INTERACTION_NOTE
from kam.forms import (
    DATE_WIDGET,
    PeopleChoiceField,
    RejectionsMixin,
    VersionedMixin,
    style,
    version_field,
)
from kam.widgets import QuickSelect


class StageChangeForm(RejectionsMixin, forms.Form):
    to_stage = forms.ChoiceField(label="New stage", choices=Stage.choices, widget=QuickSelect)
    reason = forms.CharField(
        label="Why", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, strip=True
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form starts at the current stage, so a careless save moves nothing.
        self.current = current
        self.fields["to_stage"].choices = [
            (value, f"{label} (current)" if value == current else label)
            for value, label in Stage.choices
        ]
        self.fields["to_stage"].initial = current
        style(self, small=True)

    def clean_to_stage(self) -> str:
        if self.cleaned_data["to_stage"] == self.current:
            raise forms.ValidationError("Choose the stage the account moves to.")
        return self.cleaned_data["to_stage"]


class ContactForm(VersionedMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Contact
        fields = [*Contact.EDITABLE_FIELDS, "version"]
        widgets = {
            "last_contact_on": forms.DateInput(**DATE_WIDGET),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"influence": "Influence (1-5)", "relationship_owner": "Our relationship owner"}

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        people = list(people)
        self.rebuild_kwargs = {"people": people}
        super().__init__(*args, **kwargs)
        self.fields["relationship_owner"] = PeopleChoiceField(
            people, required=False, label="Our relationship owner"
        )
        # No value preselected: an influence nobody chose would read as a judgement.
        self.fields["influence"] = forms.TypedChoiceField(
            label="Influence (1-5)",
            choices=[("", "Choose…"), *((value, str(value)) for value in INFLUENCE_VALUES)],
            coerce=int,
        )
        self.fields["version"].required = self.instance.pk is not None
        style(self, small=True)

    def _post_clean(self) -> None:
        """Validation is the service's (accounts.services.contact_create/update)."""


class TeamMemberForm(RejectionsMixin, forms.Form):
    # Every person who may join a team (hundreds in a large company): QuickSelect writes the
    # options without a template per option.
    user = forms.ChoiceField(label="Person", widget=QuickSelect)
    functional_role = forms.ChoiceField(
        label="Functional role", choices=FunctionalRole.choices, widget=QuickSelect
    )

    def __init__(self, *args: Any, candidates: Iterable[User], **kwargs: Any) -> None:
        self.candidates = {str(user.pk): user for user in candidates}
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person")] + [
            (pk, str(user)) for pk, user in self.candidates.items()
        ]
        style(self, small=True)

    def clean_user(self) -> User:
        return self.candidates[self.cleaned_data["user"]]


class InteractionForm(RejectionsMixin, forms.Form):
    """A meeting or call: the day, its type, who met (contacts of the account, our people
    among the KAM and team, as checkboxes of people already loaded), notes, next steps and,
    optionally, the cost-to-serve activity to record with it."""

    occurred_on = forms.DateField(label="Date", widget=forms.DateInput(**DATE_WIDGET))
    kind = forms.ChoiceField(label="Type", choices=[("", "Choose…"), *InteractionKind.choices])
    subject = forms.CharField(label="Subject", max_length=200)
    contacts = forms.MultipleChoiceField(
        label="Their people (contacts)", widget=forms.CheckboxSelectMultiple
    )
    our_people = forms.MultipleChoiceField(label="Our people", widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=MAX_INTERACTION_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(
        label="Next steps",
        required=False,
        max_length=MAX_INTERACTION_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    activity_type = forms.ChoiceField(label="Cost-to-serve activity", required=False)
    activity_quantity = forms.DecimalField(
        label="Quantity (driver units)",
        required=False,
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        help_text="Empty: 1",
    )

    def __init__(
        self,
        *args: Any,
        contacts: Iterable[Contact],
        people: Iterable[User],
        activity_types: Iterable[ActivityType],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.contact_choices = {str(c.pk): c for c in contacts}
        self.people = {str(p.pk): p for p in people}
        self.activity_types = {str(t.pk): t for t in activity_types}
        self.fields["contacts"].choices = [
            (pk, f"{c.name}{f', {c.title}' if c.title else ''}")
            for pk, c in self.contact_choices.items()
        ]
        self.fields["our_people"].choices = [(pk, str(p)) for pk, p in self.people.items()]
        self.fields["activity_type"].choices = [
            ("", "None"),
            *((pk, f"{t.name} (per {t.driver_unit})") for pk, t in self.activity_types.items()),
        ]
        style(self, small=True)
        for name in ("contacts", "our_people"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_on": data["occurred_on"],
            "kind": data["kind"],
            "subject": data["subject"],
            "contacts": [self.contact_choices[pk] for pk in data["contacts"]],
            "our_people": [self.people[pk] for pk in data["our_people"]],
            "notes": data["notes"],
            "next_steps": data["next_steps"],
            "activity_type": self.activity_types.get(data["activity_type"] or ""),
            "activity_quantity": data["activity_quantity"],
        }
