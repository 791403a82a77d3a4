"""Forms of the account workspace: stage moves, contacts and the team (the rating form is
scoring's).

They parse and show what was typed; the rules are the services' (accounts.services), whose
refusals are put back on the form with the typed values kept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from accounts.models import INFLUENCE_VALUES, Contact, FunctionalRole, Stage, User
from kam.forms import (
    DATE_WIDGET,
    PeopleChoiceField,
    RejectionsMixin,
    VersionedMixin,
    style,
    version_field,
)


class StageChangeForm(RejectionsMixin, forms.Form):
    to_stage = forms.ChoiceField(label="New stage", choices=Stage.choices)
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
    user = forms.ChoiceField(label="Person")
    functional_role = forms.ChoiceField(label="Functional role", choices=FunctionalRole.choices)

    def __init__(self, *args: Any, candidates: Iterable[User], **kwargs: Any) -> None:
        self.candidates = {str(user.pk): user for user in candidates}
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a person")] + [
            (pk, str(user)) for pk, user in self.candidates.items()
        ]
        style(self, small=True)

    def clean_user(self) -> User:
        return self.candidates[self.cleaned_data["user"]]
