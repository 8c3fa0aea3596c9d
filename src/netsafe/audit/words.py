"""The audit log in its readers' words: record types, fields and values as the pages name them.

An entry stores what the code knows (``casework.custodyevent``, ``seized_where``,
``"police-101"``); a supervisor reads "custody event", "Where seized", "Police (101)".
Everything here is looked up from the models at display time, so the stored entries,
and with them the hash chain, are unchanged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Names of what bulk reads store instead of fields (see bulk.py).
_SPECIAL_FIELDS = {"ids": gettext_lazy("Records shown")}


def model_of(label: str) -> type[models.Model] | None:
    """The model named ``app.model`` in an entry, or None for a label no longer known."""
    if not label or "." not in label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def record_type(label: str) -> str:
    """``casework.custodyevent`` as people say it: "custody event" (the label when unknown)."""
    model = model_of(label)
    # The models' English names are looked up in the catalogue (as casework.vocabulary does).
    return _(str(model._meta.verbose_name)) if model is not None else label


def _field(label: str, name: str) -> models.Field | None:
    model = model_of(label)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_name(label: str, name: str) -> str:
    """A changed field as its form labels it: ``seized_where`` -> "Where seized"."""
    if name in _SPECIAL_FIELDS:
        return str(_SPECIAL_FIELDS[name])
    field = _field(label, name)
    verbose = getattr(field, "verbose_name", None)
    if not verbose:
        return name.replace("_", " ").capitalize()
    text = _(str(verbose))
    return text[:1].upper() + text[1:]


def value_text(label: str, name: str, value: Any) -> str:
    """A stored value as the record's page shows it: choices by their label, Yes or No."""
    if value is None or value == "" or value == []:
        return _("(empty)")
    field = _field(label, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(value_text(label, name, v) for v in value)
    if field is not None:
        choices = dict(field.flatchoices or ())
        base = getattr(field, "base_field", None)  # an array of choices
        if not choices and base is not None:
            choices = dict(base.flatchoices or ())
        if value in choices:
            return str(choices[value])
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            try:
                return date_format(date.fromisoformat(str(value)), "j F Y")
            except ValueError:
                pass
    return str(value)


def changed_fields(label: str, changes: dict) -> list[str]:
    """The names, in words, of the fields an entry changed (a figure anyone reading may see)."""
    return [field_name(label, name) for name in sorted(changes) if name not in _SPECIAL_FIELDS]
