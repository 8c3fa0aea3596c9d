"""Showing any casework field the same way on every page."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
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


@register.simple_tag
def field_value(obj, name: str):
    """``obj.name`` for people: choice labels, Yes/No, dates, links to other records."""
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return _text(getattr(obj, name, ""))
    if field.choices and not field.many_to_one:
        return obj._get_FIELD_display(field)
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
def query_with(querystring: str, **params) -> str:
    """``querystring`` with ``params`` replaced (for pagination links)."""
    from django.http import QueryDict

    q = QueryDict(querystring, mutable=True)
    for key, value in params.items():
        q[key] = value
    return q.urlencode()
