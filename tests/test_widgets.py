"""kam.widgets.QuickSelect writes the markup Django's Select writes, without its templates."""

import re

import pytest
from django import forms

from kam.widgets import QuickSelect

CHOICES = [
    ("", "Any account"),
    (1, 'Müller & Söhne <GmbH> "Nord"'),
    (2, "Zeta Motors"),
    ("Europe", [(3, "Acme (ACME-1)"), (4, "Bolt & Nut")]),
]


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", "2", 4])
def test_quick_select_renders_what_select_renders(value):
    attrs = {"class": "form-select form-select-sm", "id": "id_account"}

    quick = QuickSelect(attrs=attrs, choices=CHOICES).render("account", value)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("account", value)

    assert normalised(str(quick)) == normalised(str(django))


def test_quick_select_escapes_labels_and_marks_the_selected_option():
    html = str(QuickSelect(choices=CHOICES).render("account", "1"))

    assert (
        '<option value="1" selected>Müller &amp; Söhne &lt;GmbH&gt; &quot;Nord&quot;</option>'
        in (html)
    )
    assert html.count(" selected") == 1
    assert '<optgroup label="Europe">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", [None, "", "first", "missing"])
@pytest.mark.parametrize("required", [False, True])
def test_quick_select_renders_model_choices_as_select_does(chosen, required):
    """A model choice field (a filter's accounts) reads its options in one plain query and
    writes the markup the field's Select writes: empty label, escaping, the selected one."""
    from accounts.models import Account
    from tests import factories

    first = factories.AccountFactory(name='Müller & Söhne <GmbH> "Nord"')
    factories.AccountFactory(name="Zeta Motors")
    value = {"first": first.pk, "missing": 10**9}.get(chosen, chosen)

    def rendered(widget_class):
        field = forms.ModelChoiceField(
            queryset=Account.objects.order_by("name", "pk"),
            empty_label="Any account",
            required=required,
            widget=widget_class(attrs={"class": "form-select"}),
        )
        field.widget.is_required = required
        return normalised(str(field.widget.render("account", value, attrs={"id": "id_account"})))

    quick = rendered(QuickSelect)
    assert quick == rendered(forms.Select)
    assert quick.count("<option") == 3


@pytest.mark.parametrize("value", [None, "2"])
def test_filter_forms_write_plain_selects_with_quick_select(value):
    """Every list's filter form (kam.listing.FilterForm) draws a plain <select> with
    QuickSelect: the markup of Django's Select, with the Bootstrap class."""
    from kam.listing import FilterForm

    class Filters(FilterForm):
        account = forms.ChoiceField(choices=CHOICES, required=False)

    form = Filters(data={"account": value} if value else None)
    widget = form.fields["account"].widget
    expected = forms.Select(attrs=widget.attrs, choices=CHOICES).render("account", value)

    assert isinstance(widget, QuickSelect)
    assert 'class="form-select form-select-sm"' in str(form["account"])
    assert normalised(str(widget.render("account", value))) == normalised(str(expected))


@pytest.mark.parametrize("value", [None, "", "a"])
def test_quick_select_treats_none_lazy_and_safe_choices_as_select_does(value):
    """A None value is the empty option, a lazy label is translated, safe markup stays."""
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    choices = [(None, gettext_lazy("Nobody")), ("a", mark_safe("<b>A</b>")), ("a", "A again")]

    quick = QuickSelect(choices=choices).render("who", value)
    django = forms.Select(choices=choices).render("who", value)

    assert normalised(str(quick)) == normalised(str(django))
    assert str(quick).count(" selected") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["account", "user"])
def test_quick_select_writes_choices_read_with_only_as_select_does(
    model, django_assert_num_queries
):
    """Choices read with `.only(...)` (what a choice shows) are labelled from bare instances
    holding those fields: the same options as the field's Select, in one query."""
    from accounts.models import Account, User
    from tests import factories

    if model == "account":
        factories.AccountFactory(name='Müller & Söhne <GmbH> "Nord"', erp_code="M-1")
        factories.AccountFactory(name="Zeta Motors", erp_code="Z-1")
        queryset = Account.objects.only("pk", "name", "erp_code").order_by("name", "pk")
    else:
        factories.KamFactory(first_name="Anna", last_name="Ölund", username="anna")
        factories.KamFactory(first_name="", last_name="", username="plain")
        queryset = User.objects.only("pk", "first_name", "last_name", "username").order_by("pk")
    chosen = queryset.last().pk

    def rendered(widget_class):
        field = forms.ModelChoiceField(queryset=queryset, widget=widget_class())
        return normalised(str(field.widget.render("choice", chosen)))

    with django_assert_num_queries(1):
        quick = rendered(QuickSelect)
    assert quick == rendered(forms.Select)
    assert quick.count("<option") == queryset.count() + 1


@pytest.mark.django_db
def test_quick_select_writes_the_same_rows_once_and_a_rename_at_once(monkeypatch):
    """The options of choices read with only() are kept by the rows they are written from: a
    second request reading the same rows labels none again (thousands of accounts at 250,000),
    a selection still marks its option as Select does, and a renamed account shows at once."""
    from accounts.models import Account
    from tests import factories

    first = factories.AccountFactory(name="Acme", erp_code="A-1")
    factories.AccountFactory(name="Borealis", erp_code="B-1")
    queryset = Account.objects.only("pk", "name", "erp_code").order_by("name", "pk")

    def rendered(widget_class, value=None):
        field = forms.ModelChoiceField(queryset=queryset, widget=widget_class())
        return normalised(str(field.widget.render("account", value)))

    labelled = []
    label = forms.ModelChoiceField.label_from_instance
    monkeypatch.setattr(
        forms.ModelChoiceField,
        "label_from_instance",
        lambda field, obj: labelled.append(obj.pk) or label(field, obj),
    )
    assert rendered(QuickSelect) == rendered(forms.Select)
    labelled.clear()

    again = rendered(QuickSelect)
    chosen = rendered(QuickSelect, first.pk)

    assert labelled == []
    assert chosen == rendered(forms.Select, first.pk)
    assert chosen.count(" selected") == 1
    assert again == rendered(forms.Select)

    Account.objects.filter(pk=first.pk).update(name="Acme Renamed")
    assert "Acme Renamed (A-1)" in rendered(QuickSelect)
