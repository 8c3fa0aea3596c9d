"""Showing any casework field the same way on every page."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from .. import vocabulary
from ..choices import Offence

register = template.Library()


@register.simple_tag
def field_label(model, name: str) -> str:
    """The verbose name of field ``name`` of ``model``, capitalised, in the page's language."""
    return vocabulary.label(model, name)


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return date_filter(timezone.localtime(value), "j M Y H:i")
    if isinstance(value, date):
        return date_filter(value, "j M Y")
    return str(value)


#: Each choice field's labels by value, built once per field. The labels stay lazy, so
#: a lookup translates the one label shown into the page's language: Django's
#: ``get_FOO_display`` builds the mapping again on every call, translating every label
#: of the field to hash it (a list of 25 rows translated some 700 labels).
_CHOICE_LABELS: dict = {}


def choice_label(field, value):
    """The label of ``value`` among ``field``'s choices (``value`` itself when not one)."""
    labels = _CHOICE_LABELS.get(field)
    if labels is None:
        labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a list) is no choice
        return value
    return str(label) if label is not None else label


@register.simple_tag
def field_value(obj, name: str):
    """``obj.name`` for people: choice labels, Yes/No, dates, links to other records."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return _text(getattr(obj, name, ""))
    if field.choices and not field.many_to_one:
        return choice_label(field, getattr(obj, field.attname))
    value = getattr(obj, name)
    if name == "offences" and isinstance(value, list):
        labels = dict(Offence.choices)
        return "; ".join(str(labels.get(code, code)) for code in value)
    if field.many_to_one and value is not None:
        # Records link only within their force, so whoever sees ``obj`` may open ``value``.
        url = getattr(value, "get_absolute_url", None)
        if url is not None:
            return format_html('<a class="govuk-link" href="{}">{}</a>', url(), value)
        return str(value)
    return _text(value)


@register.simple_tag
def record_cells(row, columns, show_force=False):
    """One row's cells in ``casework/includes/table.html``: the first links to the record.

    One tag per row rather than template tags per cell: a page of 25 to 50 rows spent
    most of its time in the template engine's per-cell work.
    """
    cells = []
    labels = [field_label(row, column) for column in columns]  # a phone shows rows as cards
    for n, column in enumerate(columns):
        text = field_value(row, column)
        if n == 0:
            cells.append(
                format_html(
                    '<th scope="row" class="govuk-table__header">'
                    '<a class="govuk-link" href="{}">{}</a></th>',
                    row.get_absolute_url(),
                    text if text else gettext("View"),
                )
            )
        else:
            cells.append(
                format_html(
                    '<td class="govuk-table__cell" data-label="{}">{}</td>', labels[n], text
                )
            )
    if show_force:
        force = getattr(row, "force", None)
        name = force.name if force else ""
        cells.append(
            format_html(
                '<td class="govuk-table__cell" data-label="{}">{}</td>', gettext("Force"), name
            )
        )
    return format_html_join("\n      ", "{}", ((cell,) for cell in cells))


@register.simple_tag
def query_with(querystring: str, **params) -> str:
    """``querystring`` with ``params`` replaced (for pagination links)."""
    from django.http import QueryDict

    q = QueryDict(querystring, mutable=True)
    for key, value in params.items():
        q[key] = value
    return q.urlencode()
