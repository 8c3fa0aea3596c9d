"""Django forms render as GOV.UK components: labels, hints, inline errors and the error summary."""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template

from netsafe.web.forms import DateInput


class ReferralForm(forms.Form):
    reference = forms.CharField(help_text="As printed on the package", max_length=20)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    source = forms.ChoiceField(choices=[("ceop", "NCA-CEOP"), ("ncmec", "NCMEC")])
    channel = forms.ChoiceField(choices=[("a", "Phone"), ("b", "E-mail")], widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(
        choices=[("x", "Phone"), ("y", "Laptop")], widget=forms.CheckboxSelectMultiple
    )
    urgent = forms.BooleanField(required=False, label="Urgent")
    received = forms.DateField(widget=DateInput)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reference") == "DUP":
            raise forms.ValidationError("This referral is already recorded")
        return data


def _render(form) -> str:
    return Template(
        '{% include "includes/error_summary.html" with form=form %}<form>{{ form }}</form>'
    ).render(Context({"form": form}))


def test_every_visible_input_has_a_label_and_hints_are_linked():
    html = _render(ReferralForm())
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        if input_id == "id_token":
            continue
        assert re.search(rf'<label[^>]*for="{input_id}"', html), input_id
    assert 'class="govuk-hint" id="id_reference_helptext"' in html
    assert 'aria-describedby="id_reference_helptext"' in html
    assert 'class="govuk-input"' in html
    assert 'class="govuk-select"' in html
    assert 'class="govuk-textarea"' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Channel' in html
    assert 'class="govuk-radios__input" id="id_channel_0" name="channel" type="radio"' in html
    assert 'class="govuk-checkboxes__input" id="id_kinds_1" name="kinds" type="checkbox"' in html
    assert 'type="date"' in html
    assert "Notes (optional)" in html
    assert 'type="hidden" name="token"' in html
    assert "govuk-error-summary" not in html


def test_errors_appear_inline_and_in_a_summary_linking_to_each_field():
    form = ReferralForm(data={"reference": "DUP", "source": "nope", "kinds": ["x"]})
    html = _render(form)
    assert 'class="govuk-error-summary" data-module="govuk-error-summary"' in html
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert '<a href="#id_source">' in summary
    assert '<a href="#id_channel_0">' in summary  # a radio group links to its first option
    assert '<a href="#id_received">' in summary
    # Form-wide errors come first, as text: there is no one field to link to.
    assert summary.index("<li>This referral is already recorded</li>") < summary.index("#id_source")
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert 'class="govuk-select govuk-select--error"' in html
    assert 'id="id_source_error"' in html
    assert 'aria-describedby="id_source_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<span class="govuk-visually-hidden">Error:</span>' in html


def test_form_wide_errors_are_summarised_without_a_link():
    form = ReferralForm(
        data={
            "reference": "DUP",
            "source": "ceop",
            "channel": "a",
            "kinds": ["x"],
            "received": "2017-03-01",
        }
    )
    html = _render(form)
    assert "<li>This referral is already recorded</li>" in html
    assert 'class="govuk-error-message"' in html


def test_checkbox_keeps_its_state():
    html = _render(ReferralForm(initial={"urgent": True}))
    assert re.search(r'<input type="checkbox" name="urgent"[^>]*checked', html)
    assert '<label class="govuk-label govuk-checkboxes__label" for="id_urgent">Urgent' in html


def test_a_form_of_optional_filters_need_not_label_each_optional():
    class Filters(forms.Form):
        all_optional = True
        name = forms.CharField(required=False)

    assert "(optional)" not in _render(Filters())
    assert "Notes (optional)" in _render(ReferralForm())


def test_no_dropdown_starts_with_dashes_and_no_radio_group_offers_a_blank():
    """Django's "---------" becomes "Select the ..." (or "None" when optional) in a select,
    and is dropped from a radio group, whatever the form."""
    from django import forms as dj
    from django.template import Context, Template

    class Colour(dj.Form):
        colour = dj.ChoiceField(choices=[("", "---------"), ("red", "Red")])
        shade = dj.ChoiceField(choices=[("", "---------"), ("dark", "Dark")], required=False)
        mood = dj.ChoiceField(choices=[("", "---------"), ("calm", "Calm")], widget=dj.RadioSelect)

    html = Template("{{ form }}").render(Context({"form": Colour()}))
    assert "---------" not in html
    assert '<option value="" selected>Select the colour</option>' in html
    assert '<option value="" selected>None</option>' in html
    assert 'name="mood" value=""' not in html
    # The error summary's link goes to the first radio shown.
    bound = Colour({})
    summary = Template('{% include "includes/error_summary.html" with form=form %}').render(
        Context({"form": bound})
    )
    assert 'href="#id_mood_0"' in summary
    assert 'id="id_mood_0"' in Template("{{ form }}").render(Context({"form": bound}))
