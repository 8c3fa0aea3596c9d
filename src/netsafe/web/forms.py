"""Django forms rendered in the GOV.UK Design System's style.

``FORM_RENDERER`` points at :class:`GovukFormRenderer`, so ``{{ form }}``
and ``{{ form.field.as_field_group }}`` give labelled form groups with hints
and inline errors; ``{% include "includes/error_summary.html" %}`` gives the
summary at the top of the page. Optional fields are labelled "(optional)"
unless the form sets ``all_optional = True`` (e.g. a filter form).

Dates are asked the GOV.UK way (the date input: three boxes, day, month and
year, https://design-system.service.gov.uk/components/date-input/), with a
fourth box for the time when the field is a date and time:
:class:`GovukDateField`, :class:`GovukDateTimeField` and :class:`GovukTimeField`,
which model forms get from :func:`govuk_formfield`. Their errors name the field
and the part that is wrong ("Date received must include a month"), and say
which boxes to highlight (:func:`wrong_parts`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from django import forms
from django.db import models
from django.forms.renderers import TemplatesSetting
from django.forms.utils import from_current_timezone
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class GovukFormRenderer(TemplatesSetting):
    """Renders forms and fields with NetSafe's GOV.UK templates."""

    form_template_name = "netsafe/forms/form.html"
    field_template_name = "netsafe/forms/field.html"


class DateInput(forms.DateInput):
    """A browser date picker (``<input type="date">``), ISO formatted: for filters of logs."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


#: The boxes of a date, in the order they are shown and named (``received_day``).
DATE_PARTS = ("day", "month", "year")
#: What each box is called on the page (its label) and in an error message.
PART_LABELS = {
    "day": pgettext_lazy("date input", "Day"),
    "month": pgettext_lazy("date input", "Month"),
    "year": pgettext_lazy("date input", "Year"),
    "time": pgettext_lazy("date input", "Time"),
}
_PART_WORDS = {
    "day": pgettext_lazy("date input error", "day"),
    "month": pgettext_lazy("date input error", "month"),
    "year": pgettext_lazy("date input error", "year"),
    "time": pgettext_lazy("date input error", "time"),
}
#: GOV.UK widths: two characters for the day and month, four for the year.
PART_WIDTHS = {"day": 2, "month": 2, "year": 4, "time": 5}

#: Month names an officer may type instead of the number (English and Welsh).
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "ionawr", "ion"),
            ("february", "feb", "chwefror", "chwe"),
            ("march", "mar", "mawrth", "maw"),
            ("april", "apr", "ebrill", "ebr"),
            ("may", "mai"),
            ("june", "jun", "mehefin", "meh"),
            ("july", "jul", "gorffennaf", "gorff"),
            ("august", "aug", "awst"),
            ("september", "sep", "sept", "medi"),
            ("october", "oct", "hydref", "hyd"),
            ("november", "nov", "tachwedd", "tach"),
            ("december", "dec", "rhagfyr", "rhag"),
        ],
        start=1,
    )
    for name in names
}
_NUMBER = re.compile(r"\d{1,2}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?P<half>[ap])?\.?(?:m\.?)?",
    re.ASCII | re.IGNORECASE,
)


def _and(words: list[str]) -> str:
    """``day``, ``day and month``, ``day, month and year`` in the page's language."""
    words = [str(w) for w in words]
    if len(words) == 1:
        return words[0]
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def parse_time(text: str) -> time | None:
    """``14:30``, ``14.30``, ``1430``, ``9:05``, ``2:30pm`` or ``2pm`` as a time, else None."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if found["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found["half"].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class DatePartsWidget(forms.MultiWidget):
    """The boxes of the GOV.UK date input (day, month, year; and time when ``time``).

    The boxes are named after the field (``received_day``, ``received_month``,
    ``received_year``, ``received_time``). A form sent with the whole value under
    the field's own name instead (``received=2017-03-01``, as a script or an old
    bookmark of a filter sends it) is read as an ISO date too.
    """

    def __init__(self, attrs=None, *, with_time: bool = False):
        self.parts = DATE_PARTS + (("time",) if with_time else ())
        super().__init__({part: forms.TextInput() for part in self.parts}, attrs)

    def decompress(self, value) -> list[str]:
        """The boxes' text for a date (and time): ``2017-03-01`` -> ``1``, ``3``, ``2017``."""
        if isinstance(value, str):
            value = _parse_iso(value, with_time="time" in self.parts)
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return [str(value.day), str(value.month), str(value.year), f"{value:%H:%M}"]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [""] * len(self.parts)

    def value_from_datadict(self, data, files, name):
        names = [f"{name}_{part}" for part in self.parts]
        if not any(n in data for n in names) and name in data:
            return data.get(name)
        return [data.get(n, "") for n in names]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and not any(f"{name}_{part}" in data for part in self.parts)


def _parse_iso(text: str, *, with_time: bool):
    text = text.strip()
    try:
        return datetime.fromisoformat(text) if with_time else date.fromisoformat(text)
    except ValueError:
        return None


class GovukDateField(forms.Field):
    """A date asked in three boxes, with the GOV.UK date input's error messages.

    ``error_name`` is what the messages call the field ("Date received"); the
    label by default. Each error says which boxes are wrong (its ``parts``), so the
    page highlights those and the error summary links to the first of them.
    """

    with_time = False
    default_error_messages = {
        "required": _("Enter the %(lower)s"),
        "incomplete": _("%(name)s must include a %(missing)s"),
        "invalid": _("%(name)s must be a real date"),
        "year": _("%(name)s must include the year as 4 numbers"),
        "time": _("%(name)s must include a real time, for example 14:30"),
    }

    def __init__(self, *, error_name=None, input_formats=None, **kwargs):
        kwargs["widget"] = DatePartsWidget(with_time=self.with_time)
        # A default such as "today" is shown in the boxes; whether the value changed is
        # decided from the boxes themselves (:meth:`has_changed`), not a hidden copy.
        kwargs["show_hidden_initial"] = False
        super().__init__(**kwargs)
        self.error_name = error_name

    @property
    def parts(self) -> tuple[str, ...]:
        return self.widget.parts

    def _error(self, code: str, parts, **params) -> forms.ValidationError:
        name = str(self.error_name or self.label or PART_LABELS["day"])
        message = str(self.error_messages[code]) % {
            "name": capfirst(name),
            "lower": name[:1].lower() + name[1:],
            **params,
        }
        # ValidationError formats a message with its params: a "%" typed into a label
        # must stay a "%".
        return forms.ValidationError(
            message.replace("%", "%%"), code=code, params={"parts": tuple(parts)}
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime) and self.with_time:
            return value
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            parsed = _parse_iso(value, with_time=self.with_time)
            if parsed is None:
                raise self._error("invalid", self.parts)
            return self._finish(parsed)
        typed = [str(v or "").strip() for v in value]
        if not any(typed):
            return None
        missing = [p for p, v in zip(self.parts, typed, strict=True) if not v]
        if missing:
            raise self._error(
                "incomplete", missing, missing=_and([_PART_WORDS[p] for p in missing])
            )
        return self._finish(self._from_parts(dict(zip(self.parts, typed, strict=True))))

    def _from_parts(self, typed: dict[str, str]):
        day = int(typed["day"]) if _NUMBER.fullmatch(typed["day"]) else 0
        month_text = typed["month"].lower().rstrip(".")
        month = int(month_text) if _NUMBER.fullmatch(month_text) else _MONTHS.get(month_text, 0)
        wrong = [p for p, ok in (("day", 1 <= day <= 31), ("month", 1 <= month <= 12)) if not ok]
        if wrong:
            raise self._error("invalid", wrong)
        if not _YEAR.fullmatch(typed["year"]):
            raise self._error("year", ["year"])
        try:
            day_of = date(int(typed["year"]), month, day)
        except ValueError:  # 30 February, 31 April: the day is not in that month
            raise self._error("invalid", ["day"]) from None
        if not self.with_time:
            return day_of
        at = parse_time(typed["time"])
        if at is None:
            raise self._error("time", ["time"])
        return datetime.combine(day_of, at)

    def _finish(self, value):
        if isinstance(value, datetime):
            return from_current_timezone(value) if timezone.is_naive(value) else value
        return value

    def validate(self, value) -> None:
        if value is None and self.required:
            raise self._error("required", self.parts)

    def has_changed(self, initial, data) -> bool:
        """Changed when the boxes say another day (or minute) than the value shown."""
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except forms.ValidationError:
            return True
        old = self.to_python(initial() if callable(initial) else initial)
        if isinstance(old, datetime):
            old = old.replace(second=0, microsecond=0)
        return old != new


class GovukDateTimeField(GovukDateField):
    """A date and a time: the three boxes of the date input and a fourth for the time."""

    with_time = True


class GovukTimeField(forms.TimeField):
    """A time typed in one box (``14:30``, ``1430``, ``2:30pm``), for a date asked apart."""

    widget = forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"})
    default_error_messages = {
        "invalid": _("%(name)s must be a real time, for example 14:30"),
    }

    def __init__(self, *, error_name=None, input_formats=None, **kwargs):
        super().__init__(**kwargs)
        self.error_name = error_name

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, time):
            return value
        found = parse_time(str(value))
        if found is None:
            name = capfirst(str(self.error_name or self.label or PART_LABELS["time"]))
            message = str(self.error_messages["invalid"]) % {"name": name}
            raise forms.ValidationError(message.replace("%", "%%"), code="invalid", params={})
        return found

    def prepare_value(self, value):
        return f"{value:%H:%M}" if isinstance(value, time) else value


def govuk_formfield(model_field: models.Field, **kwargs) -> forms.Field | None:
    """A model form's field for ``model_field``: dates and times the GOV.UK way.

    Pass as a model form's ``formfield_callback`` so that every date of every
    record is asked in the same boxes, with the same messages.
    """
    if isinstance(model_field, models.DateTimeField):
        kwargs.setdefault("form_class", GovukDateTimeField)
    elif isinstance(model_field, models.DateField):
        kwargs.setdefault("form_class", GovukDateField)
    elif isinstance(model_field, models.TimeField):
        kwargs.setdefault("form_class", GovukTimeField)
    return model_field.formfield(**kwargs)


def wrong_parts(bound_field) -> tuple[str, ...]:
    """The boxes of a date field to highlight: those its errors name, else all of them."""
    parts = bound_field.field.parts
    wrong: list[str] = []
    for error in bound_field.errors.as_data():
        named = (error.params or {}).get("parts") if isinstance(error.params, dict) else None
        if not named:
            return parts  # an error about the date as a whole ("must be in the past")
        wrong += [p for p in named if p not in wrong]
    return tuple(p for p in parts if p in wrong)
