"""Template helpers that render Django form fields as GOV.UK Design System components."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.translation import ngettext

from netsafe.web.forms import PART_LABELS, PART_WIDTHS, DatePartsWidget, wrong_parts

register = template.Library()

#: Widget class -> (GOV.UK class, its error modifier). Checked in order: subclasses first.
_WIDGET_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.Textarea, "govuk-textarea"),
    (forms.ClearableFileInput, "govuk-file-upload"),
    (forms.FileInput, "govuk-file-upload"),
    (forms.SelectMultiple, "govuk-select"),
    (forms.Select, "govuk-select"),
    (Input, "govuk-input"),
]
_NARROW_INPUTS = {"number", "date", "time", "datetime-local"}


@register.filter
def govuk_kind(field: BoundField) -> str:
    """The field's layout: ``hidden``, ``date``, ``checkbox``, ``radios``, ``checkboxes`` or
    ``input``."""
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, DatePartsWidget):
        return "date"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    # CheckboxSelectMultiple is a subclass of RadioSelect: test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    return "input"


def _described_by(field: BoundField) -> str:
    ids = []
    # A date input always has its hint (the example of a date).
    if (field.help_text or isinstance(field.field.widget, DatePartsWidget)) and field.auto_id:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors and field.auto_id:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def govuk_described_by(field: BoundField) -> str:
    """The ids of the field's hint and error message, for ``aria-describedby``."""
    return _described_by(field)


@register.filter
def govuk_anchor(field: BoundField) -> str:
    """The id an error summary links to: the input itself, the first of a group, or the
    first wrong box of a date."""
    if govuk_kind(field) == "date":
        wrong = wrong_parts(field) if field.errors else ()
        return f"{field.auto_id}_{(wrong or field.field.parts)[0]}"
    if govuk_kind(field) in {"radios", "checkboxes"}:
        first = next(iter(field.subwidgets), None)
        return first.id_for_label if first is not None else field.auto_id
    return field.id_for_label or field.auto_id


@register.simple_tag
def govuk_widget(field: BoundField):
    """The field's widget with GOV.UK classes, error state and ``aria-describedby``."""
    widget = field.field.widget
    attrs: dict[str, str] = {}
    if govuk_kind(field) == "checkbox":
        attrs["class"] = "govuk-checkboxes__input"
    else:
        for widget_class, css in _WIDGET_CLASSES:
            if isinstance(widget, widget_class):
                classes = [css]
                if field.errors:
                    classes.append(f"{css}--error")
                if css == "govuk-input" and getattr(widget, "input_type", "") in _NARROW_INPUTS:
                    classes.append("govuk-input--width-10")
                attrs["class"] = " ".join(classes)
                break
    if own := widget.attrs.get("class"):
        attrs["class"] = f"{attrs.get('class', '')} {own}".strip()
    if described := _described_by(field):
        attrs["aria-describedby"] = described
    if widget.attrs.get("autofocus"):
        # Autofocus (Django's sign-in form sets it) jumps screen-reader users past
        # the heading and the skip link; GOV.UK advises against it.
        attrs["autofocus"] = False
    return field.as_widget(attrs=attrs)


@register.simple_tag
def govuk_choices(field: BoundField) -> list[dict]:
    """The options of a radio or checkbox group, ready for GOV.UK markup."""
    return [
        {
            "id": sub.data["attrs"].get("id", ""),
            "name": sub.data["name"],
            "type": sub.data["type"],
            "value": "" if sub.data["value"] is None else str(sub.data["value"]),
            "label": sub.choice_label,
            "checked": sub.data["selected"],
            "disabled": bool(sub.data["attrs"].get("disabled")),
        }
        for sub in field.subwidgets
    ]


@register.simple_tag
def govuk_date_parts(field: BoundField) -> list[dict]:
    """The boxes of a date input (day, month, year, and time if asked), ready for GOV.UK markup.

    Each box shows what was typed in it; only the boxes an error is about are
    marked as wrong.
    """
    widget = field.field.widget
    value = field.value()
    typed = value if isinstance(value, list | tuple) else widget.decompress(value)
    wrong = wrong_parts(field) if field.errors else ()
    return [
        {
            "id": f"{field.auto_id}_{part}",
            "name": f"{field.html_name}_{part}",
            "value": "" if text is None else str(text),
            "label": PART_LABELS[part],
            "width": PART_WIDTHS[part],
            "numeric": part != "time",
            "error": part in wrong,
        }
        for part, text in zip(widget.parts, typed, strict=False)
    ]


@register.simple_tag
def govuk_forms_with_errors(form=None, forms=None) -> list:
    """The forms among ``form`` and ``forms`` (e.g. a formset) that have errors."""
    candidates = ([form] if form else []) + list(forms or [])
    return [f for f in candidates if getattr(f, "errors", None)]


@register.filter
def in_minutes(value) -> str:
    """A ``timedelta`` in words, in whole minutes (e.g. the log-in lock-out time)."""
    minutes = max(1, round(value.total_seconds() / 60))
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current URL with its query string kept and ``page`` set to ``number``."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.filter
def elided_range(paginator, number: int) -> list:
    """Page numbers around ``number`` with ``paginator.ELLIPSIS`` for the gaps."""
    return list(paginator.get_elided_page_range(number, on_each_side=2, on_ends=1))
