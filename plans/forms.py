"""Forms of the plans app: recording a commitment measurement, and the account plan's parts.

Plan forms only parse and show what was typed; the services (plans.services) hold the rules and
their refusals are put back on the form, so the page keeps everything the user typed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import Account, ProductCategory, User
from kam import bounds
from kam.diffing import normalise_text
from kam.forms import (
    DATE_WIDGET,
    PeopleChoiceField,
    RejectionsMixin,
    VersionedMixin,
    style,
    version_field,
)
from plans.models import (
    Action,
    ActionStatus,
    Commitment,
    Comparison,
    Objective,
    Opportunity,
    Plan,
    ServiceTeam,
    Solution,
)


class MeasurementForm(RejectionsMixin, forms.Form):
    """Value, period and note of one measurement; the rules live in `measurement_validate`.

    Field ids carry the commitment's id, so several forms can share one page (the board)."""

    value = forms.DecimalField(max_digits=12, decimal_places=3)
    period_start = forms.DateField(widget=forms.DateInput(**DATE_WIDGET))
    period_end = forms.DateField(widget=forms.DateInput(**DATE_WIDGET))
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, commitment: Commitment, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_m{commitment.pk}_%s")
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        if commitment.comparison == Comparison.BY_DATE:
            self.fields["value"] = forms.TypedChoiceField(
                label="Delivery",
                choices=[("1", "Delivered"), ("0", "Not delivered yet")],
                coerce=Decimal,
            )
            self.fields["period_end"].label = "Delivered on (or reported on)"
        elif commitment.unit:
            self.fields["value"].label = f"Value ({commitment.unit})"
        style(self, small=True)


class PlanCreateForm(RejectionsMixin, forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["title", "period_start", "period_end", "review_date"]
        widgets = {
            "period_start": forms.DateInput(**DATE_WIDGET),
            "period_end": forms.DateInput(**DATE_WIDGET),
            "review_date": forms.DateInput(**DATE_WIDGET),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def _post_clean(self) -> None:
        """The service validates the plan against its account; the form only parses."""


class PlanDetailsForm(VersionedMixin, forms.ModelForm):
    version = version_field()

    class Meta:
        model = Plan
        fields = [*Plan.EDITABLE_FIELDS, "version"]
        widgets = {
            "review_date": forms.DateInput(**DATE_WIDGET),
            "period_end": forms.DateInput(**DATE_WIDGET),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rebuild_kwargs = {}
        super().__init__(*args, **kwargs)
        style(self)

    def _post_clean(self) -> None:
        """Validation is the service's (plans.services.plan_update)."""


class LongTextField(forms.CharField):
    """A long text of the plan (kam.bounds.MAX_TEXT): kept as typed, not stripped (saving a
    text unchanged must not change it), line ends as stored (LF), and refused past the bound
    with kam.bounds' message. The textarea's maxlength stops typing at the same length."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(strip=False, validators=[bounds.validate_text_length], **kwargs)

    def to_python(self, value: Any) -> str:
        return normalise_text(super().to_python(value))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "maxlength": str(bounds.MAX_TEXT)}


class SectionForm(forms.Form):
    body = LongTextField()
    version = version_field()


class PlanItemForm(VersionedMixin, forms.ModelForm):
    """An objective, solution or action: new (no version yet) or edited at the version loaded.
    The form only parses; the item services validate."""

    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rebuild_kwargs: dict[str, Any] = {}
        super().__init__(*args, **kwargs)
        self.fields["version"].required = self.instance.pk is not None
        style(self, small=True)

    def _post_clean(self) -> None:
        """Validation is the service's."""


class ObjectiveForm(PlanItemForm):
    """The service checks that a stage objective has a stage and the others a value."""

    class Meta:
        model = Objective
        fields = [
            "metric",
            "target_value",
            "target_stage",
            "baseline_value",
            "due_date",
            "description",
            "version",
        ]
        widgets = {"due_date": forms.DateInput(**DATE_WIDGET)}
        labels = {
            "target_value": "Target value (revenue, profit or share of wallet %)",
            "target_stage": "Target stage (stage objectives)",
            "baseline_value": "Baseline (where it started; blank: the current run's figure)",
        }


class SolutionForm(PlanItemForm):
    description = LongTextField(widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Solution
        fields = ["title", "value_measure", "value_amount", "description", "version"]


class ActionForm(PlanItemForm):
    """The owner is chosen among the KAM and the team (the service checks it still is)."""

    description = LongTextField(widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Action
        fields = ["family", "title", "owner", "due_date", "status", "description", "version"]
        widgets = {"due_date": forms.DateInput(**DATE_WIDGET)}

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        people = list(people)
        super().__init__(*args, **kwargs)
        self.rebuild_kwargs = {"people": people}
        self.fields["owner"] = PeopleChoiceField(people, label="Owner")
        style(self, small=True)  # the owner field is new


class ActionProgressForm(VersionedMixin, forms.Form):
    """What an action's owner changes: its status, its due date, a progress note
    (plans.services.items.action_progress holds the rules)."""

    status = forms.ChoiceField(choices=ActionStatus.choices)
    due_date = forms.DateField(label="Due", widget=forms.DateInput(**DATE_WIDGET))
    note = forms.CharField(
        label="Progress note (optional)",
        required=False,
        max_length=bounds.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rebuild_kwargs = {}
        super().__init__(*args, **kwargs)
        style(self)


class CommitmentForm(RejectionsMixin, forms.ModelForm):
    """A service commitment proposed in the plan; `commitment_create` holds the rules."""

    class Meta:
        model = Commitment
        fields = Commitment.TERMS
        widgets = {"due_date": forms.DateInput(**DATE_WIDGET)}
        labels = {
            "category": "Category",
            "promise": "Promise (as the customer reads it)",
            "comparison": "Measured as",
            "target_value": "Target value (at least / at most)",
            "unit": "Unit (e.g. %, h, days)",
            "due_date": "Due date (one-off promises)",
            "cadence_days": "Measured at least every (days)",
            "at_risk_margin": "At-risk margin (distance from the target)",
            "responsible_team": "Responsible team",
        }
        help_texts = dict.fromkeys(fields, "")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_commitment_%s")
        super().__init__(*args, **kwargs)
        self.fields["responsible_team"].queryset = ServiceTeam.objects.order_by("name")
        style(self, small=True)

    def _post_clean(self) -> None:
        """Validation is the service's (a target or a due date, the plan's account)."""


class ReasonForm(forms.Form):
    """The words a lifecycle step keeps with its version: a director's comment approving or
    sending back, the reason for archiving or restoring. `required` and the label per step."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, label: str, required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required
        style(self)


class VersionNoteForm(forms.Form):
    note = forms.CharField(label="Name this version", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self, small=True)


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1, label="Older version")
    b = forms.IntegerField(min_value=1, label="Newer version")


class PlanShareForm(RejectionsMixin, forms.Form):
    """Share the plan's customer-facing view with one contact: what to show and for how long.
    Choices are the account's contacts and the plan's customer-facing parts (the service
    checks them again)."""

    contact = forms.ModelChoiceField(queryset=None, empty_label="Choose a contact")
    sections = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    objectives = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    actions = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    commitments = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label="Link valid for (days)", min_value=1, max_value=90, initial=30)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        from accounts.models import Contact
        from plans.models import CUSTOMER_HIDDEN_METRICS, CUSTOMER_SECTIONS

        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(account=plan.account_id).order_by(
            "name", "pk"
        )
        self.fields["contact"].label = "DMU contact"
        self.fields["sections"].choices = [(k.value, k.label) for k in CUSTOMER_SECTIONS]
        self.fields["objectives"].queryset = (
            Objective.objects.filter(plan=plan)
            .exclude(metric__in=CUSTOMER_HIDDEN_METRICS)
            .order_by("due_date", "pk")
        )
        self.fields["actions"].queryset = Action.objects.filter(plan=plan).order_by(
            "due_date", "title", "pk"
        )
        self.fields["commitments"].queryset = Commitment.objects.filter(
            plan=plan, active=True
        ).order_by("category", "pk")
        self.fields["objectives"].label_from_instance = lambda o: (
            f"{o.get_metric_display()}: {o.description or 'due ' + o.due_date.isoformat()}"
        )
        style(self, small=True)
        for name in ("sections", "objectives", "actions", "commitments"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class ShareResponseForm(forms.Form):
    """The customer's answer to an action: acknowledge, or a comment (plain text, bounded)."""

    kind = forms.ChoiceField(choices=(("ack", "Acknowledge"), ("comment", "Comment")))
    body = forms.CharField(
        label="Your comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )


class OpportunityForm(PlanItemForm):
    """An opportunity in the plan: the category and member come prefilled from the white-space
    map's cell; the owner is the KAM or a team member (the service checks all of it)."""

    class Meta:
        model = Opportunity
        fields = [
            "category",
            "member",
            "estimated_value",
            "probability",
            "expected_close",
            "owner",
            "status",
            "lost_reason",
            "version",
        ]
        widgets = {"expected_close": forms.DateInput(**DATE_WIDGET)}
        labels = {
            "category": "Product category",
            "member": "Account",
            "lost_reason": "Lost because (when lost)",
        }

    def __init__(
        self, *args: Any, people: Iterable[User], members: Iterable[Account], **kwargs: Any
    ) -> None:
        people = list(people)
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.order_by("name", "pk")
        members = list(members)
        self.fields["member"].queryset = Account.objects.filter(
            pk__in=[member.pk for member in members]
        )
        self.fields["member"].empty_label = None
        # In the map's order (the plan's account, then its group's members by depth), each
        # with its ERP code: members of a group often share a name.
        self.fields["member"].choices = [
            (member.pk, f"{'— ' * getattr(member, 'depth', 0)}{member.name} ({member.erp_code})")
            for member in members
        ]
        self.fields["owner"] = PeopleChoiceField(people, label="Owner")
        style(self, small=True)
