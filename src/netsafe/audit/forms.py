"""The filters of the audit log pages."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.text import capfirst

from netsafe.accounts.models import Force
from netsafe.web.forms import DateInput

from .models import Action, AuditEntry
from .words import record_type


class AuditFilterForm(forms.Form):
    """Filter the log by user, force, action, record type and date range."""

    #: Every filter is optional, so the labels need not say so.
    all_optional = True

    user = forms.CharField(label="User name", required=False, max_length=150)
    force = forms.ChoiceField(label="Force", required=False)
    action = forms.ChoiceField(label="Action", required=False)
    model = forms.ChoiceField(label="Record type", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def __init__(self, *args, entries: QuerySet[AuditEntry], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["force"].choices = [("", "Any force")] + [
            (f.slug, f.name) for f in Force.objects.order_by("name")
        ]
        recorded = set(entries.order_by().values_list("action", flat=True).distinct())
        known = [(a.value, a.label) for a in Action]
        extra = sorted(recorded - {value for value, _ in known})
        self.fields["action"].choices = [("", "Any action"), *known, *((a, a) for a in extra)]
        models = entries.exclude(model="").order_by("model").values_list("model", flat=True)
        types = sorted(
            ((m, capfirst(record_type(m))) for m in models.distinct()), key=lambda c: c[1]
        )
        self.fields["model"].choices = [("", "Any record type"), *types]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the valid filters (all of them when the form is invalid)."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["user"]:
            entries = entries.filter(username__icontains=data["user"].strip())
        if data["force"]:
            entries = entries.filter(Q(force=data["force"]) | Q(object_force=data["force"]))
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["model"]:
            entries = entries.filter(model=data["model"])
        if data["date_from"]:
            entries = entries.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(at__date__lte=data["date_to"])
        return entries
