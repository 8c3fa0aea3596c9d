"""Forms for the helpline log: quick to fill in during or after a call."""

from __future__ import annotations

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from netsafe.web.forms import govuk_formfield

from .choices import CallerType, ContactLanguage, Offer, Topic
from .identifiers import generate_caller_code
from .models import Contact, Escalation


class ContactForm(forms.ModelForm):
    """Log one contact. Identifiers are refused by the model's validators, with the reason."""

    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offered = forms.MultipleChoiceField(
        label=_("What was offered"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contact
        formfield_callback = govuk_formfield
        fields = [
            "occurred_at",
            "channel",
            "language",
            "caller_type",
            "offending",
            "region",
            "heard_from",
            "topics",
            "offered",
            "duration_minutes",
            "caller_code",
            "notes",
        ]
        widgets = {
            "channel": forms.RadioSelect,
            "language": forms.RadioSelect,
            "caller_type": forms.RadioSelect,
            "offending": forms.RadioSelect,
            "heard_from": forms.RadioSelect,
            "duration_minutes": forms.NumberInput(attrs={"min": 0, "max": 600}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0))
            # A handler working in Welsh mostly takes contacts in Welsh; they can change it.
            if translation.get_language() == "cy":
                self.initial.setdefault("language", ContactLanguage.WELSH)
        # A required radio group needs no "---------" choice: nothing checked means no answer.
        self.fields["caller_type"].choices = CallerType.choices
        # One choice is always checked; a form sent without it (older clients) keeps the
        # contact's language, English for a new one.
        self.fields["language"].required = False
        self.suggested_code = generate_caller_code()
        self.fields["caller_code"].help_text = _(
            "Ask if they have a code. If not, you can give them this one: "
            "%(code)s. Never a name or a number that identifies them."
        ) % {"code": self.suggested_code}

    def clean_language(self) -> str:
        """The language chosen, or the contact's own (English for a new one) when none is sent."""
        return (
            self.cleaned_data.get("language") or self.instance.language or ContactLanguage.ENGLISH
        )

    def clean_caller_code(self) -> str:
        """Codes are stored in capitals, whatever the handler typed."""
        return (self.cleaned_data.get("caller_code") or "").strip().upper()


class EscalationForm(forms.ModelForm):
    """Record that a safeguarding escalation was made: when, to whom, about what concern."""

    class Meta:
        model = Escalation
        formfield_callback = govuk_formfield
        fields = ["made_at", "concern", "made_to", "detail"]
        widgets = {
            "concern": forms.RadioSelect,
            "made_to": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("made_at", timezone.localtime().replace(second=0))
        self.fields["made_at"].error_name = _("Date and time it was made")


class DeclareNationForm(forms.Form):
    """The public site's optional question: where do you live?"""

    nation = forms.ChoiceField(
        label=_("Where do you live?"),
        help_text=_(
            "Optional. It helps us know where help is needed. We do not keep anything "
            "else about you."
        ),
        widget=forms.RadioSelect,
        choices=[],
    )

    def __init__(self, *args, **kwargs):
        from .choices import Nation

        super().__init__(*args, **kwargs)
        self.fields["nation"].choices = [
            (n.value, _("Somewhere else") if n == Nation.UNKNOWN else n.label) for n in Nation
        ]
