"""Showing any casework field the same way on every page."""

from __future__ import annotations

from datetime import date, datetime
from html import escape as _html_escape

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from .. import vocabulary
from ..choices import Offence

register = template.Library()


@register.simple_tag
def field_label(model, name: str) -> str:
    """The verbose name of field ``name`` of ``model``, capitalised, in the page's language."""
    return vocabulary.label(model, name)


#: Translations already looked up, by language and message. The catalogues never change
#: while a process runs, and a table's rows ask the same few words again and again
#: (a month name, Yes, Force), each lookup walking Django's chain of catalogues.
_TRANSLATED: dict[tuple[str | None, str], str] = {}


def _translated(message: str) -> str:
    """``gettext(message)``, looked up once per language."""
    key = (get_language(), message)
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = gettext(message)
    return found


_MONTHS: dict[tuple[str | None, int], str] = {}


def _month(month: int) -> str:
    """The month's three letters, as the date filter's ``M`` writes them ("Jan", "Ion")."""
    key = (get_language(), month)
    found = _MONTHS.get(key)
    if found is None:
        found = _MONTHS[key] = MONTHS_3[month].title()
    return found


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _translated("Yes") if value else _translated("No")
    # The date filter's "j M Y" and "j M Y H:i" (as its Y: four digits), written
    # directly: the filter's general formatter took longer than the rest of a row.
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return (
            f"{local.day} {_month(local.month)} {local.year:04d} "
            f"{local.hour:02d}:{local.minute:02d}"
        )
    if isinstance(value, date):
        return f"{value.day} {_month(value.month)} {value.year:04d}"
    return str(value)


#: Each choice field's labels by value in each language, built once per field and
#: language: Django's ``get_FOO_display`` builds the mapping again on every call,
#: translating every label of the field to hash it (a list of 25 rows translated some
#: 700 labels).
_CHOICE_LABELS: dict = {}


def choice_label(field, value):
    """The label of ``value`` among ``field``'s choices (``value`` itself when not one)."""
    return _label_of(_choice_labels(field), value)


@register.simple_tag
def field_value(obj, name: str):
    """``obj.name`` for people: choice labels, Yes/No, dates, links to other records."""
    return _Column(obj, name).value(obj)


class _Offences:
    """The offence codes as a choice field's ``flatchoices``, for :func:`choice_label`."""

    flatchoices = Offence.choices


_OFFENCES = _Offences()


class _Column:
    """A field of ``model`` (a model or one of its records) as cells show it: its field
    and choice labels looked up once, for every row of a table."""

    __slots__ = ("field", "labels", "name")

    def __init__(self, model, name: str):
        self.name = name
        try:
            self.field = model._meta.get_field(name)
        except FieldDoesNotExist:
            self.field = None
        self.labels = (
            _choice_labels(self.field)
            if self.field is not None and self.field.choices and not self.field.many_to_one
            else None
        )

    def value(self, obj):
        if self.field is None:
            return _text(getattr(obj, self.name, ""))
        if self.labels is not None:
            return _label_of(self.labels, getattr(obj, self.field.attname))
        value = getattr(obj, self.name)
        if self.name == "offences" and isinstance(value, list):
            return "; ".join(str(choice_label(_OFFENCES, code)) for code in value)
        if self.field.many_to_one and value is not None:
            # Records link only within their force, so whoever sees ``obj`` may open it.
            url = getattr(value, "get_absolute_url", None)
            if url is not None:
                href = conditional_escape(url())
                return mark_safe(
                    f'<a class="govuk-link" href="{href}">{conditional_escape(value)}</a>'
                )
            return str(value)
        return _text(value)


def _choice_labels(field) -> dict:
    key = (field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {
            choice: str(label) if label is not None else label
            for choice, label in field.flatchoices
        }
    return labels


def _label_of(labels: dict, value):
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a list) is no choice
        return value
    return label if label is None or isinstance(label, str) else str(label)


def _escaped(value) -> str:
    """``conditional_escape(value)`` as a plain string (a safe value as it is)."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else _html_escape(str(value))


@register.simple_tag
def record_rows(rows, model, columns, show_force=False):
    """The rows of ``casework/includes/table.html``: one ``<tr>`` per record of ``model``,
    its first cell a link to the record.

    One tag per table rather than template tags per cell, or one per row: a page of 25
    to 50 rows spent most of its time in the template engine's per-cell work, then in
    looking up each column's field, labels and language for every row. The columns are
    looked up once; each row is written as one string, each value escaped once (a value
    already safe, such as a link, as it is).
    """
    first, *rest = [_Column(model, name) for name in columns]
    # The column's name on each cell: a phone shows each row as a card.
    labels = [conditional_escape(vocabulary.label(model, c.name)) for c in rest]
    force_label = conditional_escape(_translated("Force")) if show_force else None
    out = []
    for row in rows:
        text = first.value(row)
        cells = [
            '<th scope="row" class="govuk-table__header">'
            f'<a class="govuk-link" href="{_escaped(row.get_absolute_url())}">'
            f"{_escaped(text if text else _translated('View'))}</a></th>"
        ]
        for column, label in zip(rest, labels, strict=True):
            cells.append(
                f'<td class="govuk-table__cell" data-label="{label}">'
                f"{_escaped(column.value(row))}</td>"
            )
        if force_label is not None:
            force = getattr(row, "force", None)
            cells.append(
                f'<td class="govuk-table__cell" data-label="{force_label}">'
                f"{_escaped(force.name if force else '')}</td>"
            )
        out.append('\n    <tr class="govuk-table__row">\n      ')
        out.append("\n      ".join(cells))
        out.append("\n    </tr>")
    return mark_safe("".join(out))


@register.simple_tag
def query_with(querystring: str, **params) -> str:
    """``querystring`` with ``params`` replaced (for pagination links)."""
    from django.http import QueryDict

    q = QueryDict(querystring, mutable=True)
    for key, value in params.items():
        q[key] = value
    return q.urlencode()
