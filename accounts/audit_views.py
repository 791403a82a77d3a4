"""The audit log page for administrators: who changed what, and when, filterable, as CSV too."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from accounts.audit import (
    AUDIT_PAGE_SIZE,
    AuditFilters,
    audit_entries,
    audit_rows,
    iter_audit_entries,
    kind_choices,
)
from accounts.models import User
from accounts.tables import AUDIT
from kam.permissions import requires


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        User.objects.order_by("username"), required=False, empty_label="Anyone"
    )
    kind = forms.ChoiceField(
        label="Kind of object", choices=lambda: [("", "Any"), *kind_choices()], required=False
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.CharField(
        label="Account (ERP code or name)", required=False, max_length=200, strip=True
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs["class"] = f"{css} form-control-sm"

    def filters(self) -> AuditFilters:
        """The filters asked for; an invalid field is ignored (and shown with its error)."""
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return AuditFilters(
            person=data.get("person"),
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            account=data.get("account") or "",
        )


@requires("kam.administer")
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """Every recorded change, newest first, 50 a page; `?export=csv` downloads the filtered log.
    Administrators only."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else AuditFilters()
    table = AUDIT.for_user(request.user)
    if "export" in request.GET:
        return table.export(iter_audit_entries(filters), request.GET["export"])
    page = Paginator(audit_rows(filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page_obj": page,
            "entries": audit_entries(list(page.object_list)),
            "table": table,
            "headers": table.headers(),
        },
    )
