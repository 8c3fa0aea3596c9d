"""Django forms rendered in the GOV.UK Design System's style.

``FORM_RENDERER`` points at :class:`GovukFormRenderer`, so ``{{ form }}``
and ``{{ form.field.as_field_group }}`` give labelled form groups with hints
and inline errors; ``{% include "includes/error_summary.html" %}`` gives the
summary at the top of the page. Optional fields are labelled "(optional)"
unless the form sets ``all_optional = True`` (e.g. a filter form). Widgets
for dates and times are offered here, which Django renders as plain text boxes.
"""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Renders forms and fields with NetSafe's GOV.UK templates."""

    form_template_name = "netsafe/forms/form.html"
    field_template_name = "netsafe/forms/field.html"


class DateInput(forms.DateInput):
    """A browser date picker (``<input type="date">``), ISO formatted as browsers expect."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (``<input type="datetime-local">``)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
