"""Form widgets shared by the apps."""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A single `<select>` written in Python instead of one template include per option.

    The same markup as `forms.Select` (attributes, `selected`, option groups, escaping), for
    filter dropdowns that can list hundreds of accounts or people: Django's per-option template
    rendering costs about a tenth of a millisecond per option, this a few microseconds.
    """

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        if isinstance(self.choices, ModelChoiceIterator):
            return self._render_model_choices(name, value, attrs)
        # Straight from the choices, as Select.optgroups reads them (the first option with the
        # value is the selected one), without a context dictionary per option.
        wanted = set(self.format_value(value))
        groups = []
        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                group_name, choices = group_value, group_label
            else:
                group_name, choices = None, [(group_value, group_label)]
            options = []
            for option_value, label in choices:
                option_value = "" if option_value is None else option_value
                selected = bool(wanted) and str(option_value) in wanted
                if selected and not self.allow_multiple_selected:
                    wanted = set()
                options.append(_option(option_value, label, selected))
            markup = "".join(options)
            if group_name is not None:
                markup = f'<optgroup label="{conditional_escape(group_name)}">{markup}</optgroup>'
            groups.append(markup)
        return _select(name, self.build_attrs(self.attrs, attrs), "".join(groups))

    def _render_model_choices(self, name: str, value: Any, attrs: dict | None) -> SafeString:
        """A model choice field's options from one plain query: Django's iterator reads them
        through a server-side cursor on PostgreSQL (DECLARE, FETCH and CLOSE, and WITH HOLD
        outside a transaction), and builds each option's context dictionary first."""
        choices = self.choices
        selected = {str(v) for v in self.format_value(value)}
        options = []
        if choices.field.empty_label is not None:
            options.append(_option("", choices.field.empty_label, "" in selected))
        written = _written_choices(choices)
        if written is None:
            for obj in choices.queryset.all():
                key, label = choices.choice(obj)
                options.append(_option(key, label, str(key) in selected))
        elif selected.isdisjoint(written.keys):
            options.append(written.markup)
        else:
            # An option's first ">" ends its opening tag: its value and label are escaped.
            options.extend(
                markup.replace(">", " selected>", 1) if key in selected else markup
                for key, markup in zip(written.keys, written.options, strict=True)
            )
        return _select(name, self.build_attrs(self.attrs, attrs), "".join(options))


@dataclass(frozen=True)
class _WrittenChoices:
    keys: tuple[str, ...]
    options: tuple[str, ...]  # each option's markup, none selected
    markup: str  # all of them


# The options of choices read with only(), kept by the rows they are written from. At 250,000
# accounts a filter offers thousands of accounts and people, the same rows request after
# request: labelling and escaping them again took about 40 ms of the ops board. The rows are
# still read by every request (a rename shows at once); only their writing is kept, for a few
# lists per process.
WRITTEN_CHOICES_KEPT = 16
_written: OrderedDict[tuple, _WrittenChoices] = OrderedDict()
_written_lock = threading.Lock()


def _written_choices(choices: ModelChoiceIterator) -> _WrittenChoices | None:
    """The options (but the empty one) of a model choice field whose queryset reads only some
    of the model's own fields, written once per distinct rows; None for other querysets and
    for a field instance with its own labels."""
    field = choices.field
    read = _only_rows(choices.queryset)
    if read is None or "label_from_instance" in vars(field):
        return None
    attnames, rows = read
    model, db = choices.queryset.model, choices.queryset.db
    key = (type(field), field.to_field_name, model, attnames, tuple(rows))
    with _written_lock:
        found = _written.get(key)
        if found is not None:
            _written.move_to_end(key)
            return found
    keys, options = [], []
    for row in rows:
        choice_key, label = choices.choice(_bare(model, db, attnames, row))
        keys.append(str(choice_key))
        options.append(_option(choice_key, label, False))
    found = _WrittenChoices(tuple(keys), tuple(options), "".join(options))
    with _written_lock:
        _written[key] = found
        while len(_written) > WRITTEN_CHOICES_KEPT:
            _written.popitem(last=False)
    return found


def _only_rows(queryset: QuerySet) -> tuple[tuple[str, ...], list[tuple]] | None:
    """The rows of a queryset that reads only some of the model's own fields (`.only(...)`:
    what a choice shows) and the attribute names they fill, the key first; None otherwise.
    Bare instances made from them skip `Model.__init__`, which visits every field of the
    model (800 accounts in 2 ms rather than 7): they only key and label the options."""
    query = queryset.query
    fields, deferred = query.deferred_loading
    if deferred or not fields or query.select_related or query.annotations:
        return None
    if queryset._prefetch_related_lookups:
        return None
    meta = queryset.model._meta
    # only() keeps the primary key under its field name ("pk" becomes "id"); the key comes first.
    names = [meta.pk.name, *(name for name in fields if name != meta.pk.name)]
    try:
        attnames = tuple(meta.get_field(name).attname for name in names)
    except FieldDoesNotExist:  # a related model's field ("account__name"): Django builds it
        return None
    return attnames, list(queryset.values_list(*names))


def _bare(model: type[Model], db: str, attnames: tuple[str, ...], row: tuple) -> Model:
    obj = model.__new__(model)
    obj.__dict__.update(zip(attnames, row, strict=True))
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, db
    return obj


def _select(name: str, attrs: dict[str, Any], options: str) -> SafeString:
    """The <select> around options already escaped (flatatt drops attributes set to None)."""
    return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe(options))


def options_markup(objects: Iterable[Model], selected_pk: Any) -> SafeString:
    """`<option>`s of model instances (value the key, label `str()`), the one whose key is
    `selected_pk` selected: what a template loop writes, without resolving each variable
    (1,000 KAMs on the portfolio's white-space page)."""
    return mark_safe("".join(_option(obj.pk, str(obj), obj.pk == selected_pk) for obj in objects))


def _option(value: Any, label: Any, selected: bool) -> str:
    """One <option>, escaped as the template would escape it."""
    value = "" if value is None else value
    return (
        f'<option value="{_escaped(value)}"{" selected" if selected else ""}>'
        f"{_escaped(label)}</option>"
    )


def _escaped(text: Any) -> str:
    """conditional_escape without its lazy-string wrapper (the hot path: two per option)."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))
