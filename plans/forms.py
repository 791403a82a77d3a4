"""Forms of the plans app: recording a commitment measurement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from plans.models import Commitment, Comparison
from plans.services import MeasurementRejected

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class MeasurementForm(forms.Form):
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
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if is_select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def add_rejection(self, rejection: MeasurementRejected) -> None:
        """Show a service's refusal on the fields it names (the rest above the form)."""
        for name, messages in rejection.errors.items():
            self.add_error(name if name in self.fields else None, messages)
