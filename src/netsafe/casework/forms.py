"""Forms for casework records, built from the registry.

Links to other records are typed as references (``SUB-00012``), looked up
among the records the user may change, so a form never lists, and never
accepts, another force's records.
"""

from __future__ import annotations

from django import forms
from django.db import models

from netsafe.web.forms import DateInput, DateTimeInput

from . import models as m
from . import risk
from .choices import Offence
from .registry import RecordType


class RefChoiceField(forms.ModelChoiceField):
    """A record chosen by typing its reference."""

    widget = forms.TextInput

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "ref")
        super().__init__(queryset, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid_choice": "No record of your force has that reference.",
        }

    def prepare_value(self, value):
        if isinstance(value, m.CaseRecord):
            return value.ref
        if isinstance(value, int):
            # An initial primary key (a "new" link from a record's page).
            found = self.queryset.filter(pk=value).values_list("ref", flat=True).first()
            return found or ""
        return super().prepare_value(value)

    def clean(self, value):
        return super().clean(value.strip() if isinstance(value, str) else value)


class RecordForm(forms.ModelForm):
    """Base of every casework form: links limited to what ``user`` may change."""

    record_type: RecordType

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            model_field = self._meta.model._meta.get_field(name)
            if isinstance(model_field, models.ForeignKey):
                related = model_field.related_model
                if issubclass(related, m.ForceScoped):
                    limited = related.objects.editable_by(user)
                    if issubclass(related, m.CaseRecord):
                        self.fields[name] = RefChoiceField(
                            limited,
                            required=field.required,
                            label=field.label,
                            help_text=f"The {related._meta.verbose_name} reference, "
                            f"for example {related.REF_PREFIX}-00012.",
                        )
                    else:
                        field.queryset = limited
                elif name == "officer":
                    field.queryset = field.queryset.filter(
                        force_id=user.force_id, is_active=True
                    ).order_by("last_name", "username")
            elif isinstance(model_field, models.DateTimeField):
                field.widget = DateTimeInput()
            elif isinstance(model_field, models.DateField):
                field.widget = DateInput()
        if "ref" in self.fields and not self.instance.pk:
            self.fields["ref"].help_text = "Leave blank to have one given."


class EncounterForm(RecordForm):
    """Arrests and voluntary interviews: offences chosen from the Home Office codes."""

    offences = forms.MultipleChoiceField(
        choices=Offence.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Offences",
        help_text="Home Office offence codes.",
    )


class RiskAssessmentForm(RecordForm):
    """Each yes/no answer is labelled with its question."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for step in risk.STEPS:
            for question in step.questions:
                if question.field in self.fields:
                    self.fields[question.field].label = question.text
                    self.fields[question.field].help_text = question.hint


class IdentifierForm(RecordForm):
    """An identifier belongs to a referral or a subject."""

    def clean(self):
        data = super().clean()
        if not data.get("referral") and not data.get("subject"):
            raise forms.ValidationError("Give the referral or the subject this identifier is on.")
        return data


_BASES: dict[type, type[RecordForm]] = {
    m.Arrest: EncounterForm,
    m.VoluntaryInterview: EncounterForm,
    m.Identifier: IdentifierForm,
    m.RiskAssessment: RiskAssessmentForm,
}


def form_class(rt: RecordType, fields: tuple[str, ...] | None = None) -> type[RecordForm]:
    """The form of ``rt`` with ``fields`` (all of its form fields by default)."""
    base = _BASES.get(rt.model, RecordForm)
    return forms.modelform_factory(rt.model, form=base, fields=list(fields or rt.fields))
