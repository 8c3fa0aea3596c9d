"""Forms for casework records, built from the registry.

Links to other records are typed as references (``GW-SUB-00012``), looked up
among the records the user may change, so a form never lists, and never
accepts, another force's records.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from netsafe.accounts.roles import Role
from netsafe.web.forms import GovukDateField, GovukTimeField, govuk_formfield

from . import models as m
from . import plausibility, risk
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


def name_errors(field: forms.Field) -> None:
    """Error messages that name the field, as GOV.UK asks ("Enter the date of birth").

    Django's own ("This field is required.") leave an error summary a list of
    the same sentence, with nothing to say which answer is missing.
    """
    label = str(field.label or "")
    if not label:
        return
    what = label[0].lower() + label[1:]
    if isinstance(field, forms.BooleanField):
        field.error_messages["required"] = f"Confirm: {what}."
    elif isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        if isinstance(field.widget, forms.TextInput):  # a record typed by its reference
            field.error_messages["required"] = f"Enter the {what} reference."
        else:
            field.error_messages["required"] = f"Select the {what}."
    elif isinstance(field, GovukDateField):
        # The date input's own messages ("Date received must include a month"), naming
        # the date: "Issued on" -> "Date issued"; "Date of birth" stays as it is.
        field.error_name = date_name(label)
        return
    elif isinstance(field, GovukTimeField):
        field.error_messages["required"] = f"Enter the {what}."
        return
    else:
        field.error_messages["required"] = f"Enter the {what}."
    if isinstance(field, forms.IntegerField):
        field.error_messages["invalid"] = f"Enter the {what} as a whole number."


#: Labels that read badly with "Date" put before them.
_DATE_NAMES = {"bail until": "Bail date", "seen at": "Date and time seen"}


def date_name(label: str) -> str:
    """What an error message calls a date field: "Issued on" -> "Date issued"."""
    what = label.strip()
    if what.lower() in _DATE_NAMES:
        return _DATE_NAMES[what.lower()]
    what = what.removesuffix(" on")
    if "date" in what.lower() or what.lower() == "when":
        return what
    return f"Date {what[:1].lower()}{what[1:]}"


class RecordForm(forms.ModelForm):
    """Base of every casework form: links limited to what ``user`` may change."""

    record_type: RecordType

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if name in self.declared_fields and name not in self._meta.fields:
                continue  # a question of the form's own, not a field of the record
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
                            f"for example GW-{related.REF_PREFIX}-00012.",
                        )
                    else:
                        field.queryset = limited
                elif name == "officer":
                    field.queryset = field.queryset.filter(
                        force_id=user.force_id, is_active=True
                    ).order_by("last_name", "username")
        if "ref" in self.fields and not self.instance.pk:
            self.fields["ref"].help_text = "Leave blank to have one given."
        for field in self.fields.values():
            name_errors(field)
            # A field with a callable default (a date defaulting to today) would compare
            # against a hidden copy of its first value, which the pages do not send: every
            # save would then look like a change.
            field.show_hidden_initial = False

    def _update_errors(self, errors):
        # The model's rules may be about a field this form does not show (an action
        # form changes a few fields of a record): such errors go above the form, where
        # the officer still reads them (each names its field).
        if hasattr(errors, "error_dict"):
            moved: dict[str, list] = {}
            for name, messages in errors.error_dict.items():
                key = name if name == NON_FIELD_ERRORS or name in self.fields else NON_FIELD_ERRORS
                field = self.fields.get(name)
                if isinstance(field, GovukDateField | GovukTimeField) and name in self._errors:
                    # The boxes could not be read ("must include a month"): a rule about
                    # the date the model then saw as empty would only confuse.
                    continue
                moved.setdefault(key, []).extend(_named(field, messages))
            errors = ValidationError(moved)
        super()._update_errors(errors)


def _named(field, messages: list) -> list:
    """A plausibility rule on a date field, named as the date input names it."""
    name = getattr(field, "error_name", None)
    if not name:
        return messages
    return [
        ValidationError(
            f"{name} {error.params['rule']}".replace("%", "%%"),
            code=error.code,
            params={"rule": error.params["rule"]},
        )
        if error.code == "implausible" and isinstance(error.params, dict)
        else error
        for error in messages
    ]


class EncounterForm(RecordForm):
    """Arrests and voluntary interviews: offences chosen from the Home Office codes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "time" in self.fields:
            # The custody clock needs it: asked of every arrest recorded on the pages.
            self.fields["time"].required = True
            self.fields[
                "time"
            ].help_text = "When the subject was arrested, on the 24-hour clock, for example 06:45."
            name_errors(self.fields["time"])

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


class SafeguardingForm(RecordForm):
    """More than ten children in one record is rare: a supervisor confirms it."""

    confirm_children = forms.BooleanField(
        required=False,
        label="I am a supervisor and I confirm this number of children",
        help_text=f"Needed when one record counts more than {plausibility.CHILDREN_CONFIRM} "
        "children.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "children" not in self.fields:
            del self.fields["confirm_children"]

    def clean(self):
        data = super().clean()
        count = data.get("children")
        if "children" in self.fields and plausibility.needs_confirmation(count):
            if not self.user.has_role(Role.SUPERVISOR):
                self.add_error(
                    "children",
                    f"{count} children in one record needs a supervisor's confirmation: "
                    "ask a supervisor of your force to record it.",
                )
            elif not data.get("confirm_children"):
                self.add_error(
                    "confirm_children",
                    f"Confirm that {count} children were safeguarded in this one record.",
                )
        return data


_BASES: dict[type, type[RecordForm]] = {
    m.Safeguarding: SafeguardingForm,
    m.Arrest: EncounterForm,
    m.VoluntaryInterview: EncounterForm,
    m.Identifier: IdentifierForm,
    m.RiskAssessment: RiskAssessmentForm,
}


def form_class(rt: RecordType, fields: tuple[str, ...] | None = None) -> type[RecordForm]:
    """The form of ``rt`` with ``fields`` (all of its form fields by default)."""
    base = _BASES.get(rt.model, RecordForm)
    return forms.modelform_factory(
        rt.model, form=base, fields=list(fields or rt.fields), formfield_callback=govuk_formfield
    )
