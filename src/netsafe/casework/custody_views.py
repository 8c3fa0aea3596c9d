"""The chain-of-custody pages: record the seizure, hand a device over, correct an entry.

Each page writes one new entry through :mod:`.custody` (which holds the
ledger's rules); nothing here changes or deletes an entry.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView

from netsafe.accounts.models import User
from netsafe.web.forms import GovukDateTimeField

from . import access, custody
from .models import CustodyEvent, Device
from .views import CaseworkMixin


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return custody.user_label(obj)


class CustodyForm(forms.Form):
    """One new entry of a device's chain of custody (fields by ``mode``)."""

    corrects = forms.ModelChoiceField(
        queryset=CustodyEvent.objects.none(),
        label="Entry to correct",
        help_text="The entry stays in the history; the correction says what it should say.",
        empty_label="Choose the entry",
    )
    at = GovukDateTimeField(label="When", error_name="Date and time")
    receiver = UserChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Received by (a user of your force)",
        empty_label="Not a user: an outside body",
    )
    body = forms.CharField(
        label="Or the outside body that received it",
        required=False,
        max_length=150,
        help_text="For example a forensic provider, the court or the owner.",
    )
    body_reference = forms.CharField(
        label="The outside body's reference",
        required=False,
        max_length=80,
        help_text="Their receipt, job or case number.",
    )
    location = forms.CharField(label="Where", max_length=200)
    reason = forms.CharField(label="Reason", required=False, max_length=200)

    def __init__(self, *args, mode: str, device: Device, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        users = User.objects.filter(force_id=device.force_id, is_active=True).order_by(
            "last_name", "username"
        )
        self.fields["receiver"].queryset = users
        if mode == "seizure":
            for name in ("corrects", "body", "body_reference", "reason"):
                del self.fields[name]
            self.fields["receiver"].label = "Seized by"
            self.fields["receiver"].required = True
            self.fields["receiver"].empty_label = "Choose the officer"
        elif mode == "handover":
            del self.fields["corrects"]
            self.fields["reason"].help_text = "For example: to the DFU for triage."
        else:
            self.fields["corrects"].queryset = device.custody.filter(corrects__isnull=True)
            self.fields["reason"].required = True
            self.fields["reason"].help_text = "Why the entry was wrong."

    def to(self) -> custody.Receiver:
        data = self.cleaned_data
        return custody.Receiver(
            user=data.get("receiver"),
            body=data.get("body", ""),
            reference=data.get("body_reference", ""),
        )


class CustodyView(CaseworkMixin, FormView):
    """One entry of the ledger, for a device of the user's force."""

    template_name = "casework/record_form.html"
    form_class = CustodyForm
    #: The record these pages belong to (its pk is in the URL).
    model = Device
    mode = "handover"

    HEADINGS = {
        "seizure": "Record the seizure",
        "handover": "Hand over custody",
        "correct": "Correct a custody entry",
    }

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.writes_casework(request.user):
            raise Http404("You cannot change casework.")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> Device:
        if not hasattr(self, "_device"):
            self._device = get_object_or_404(
                Device.objects.editable_by(self.request.user), pk=self.kwargs["pk"]
            )
        return self._device

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(mode=self.mode, device=self.device(), user=self.request.user)
        return kwargs

    def get_initial(self):
        device = self.device()
        initial = {"at": timezone.localtime().replace(second=0, microsecond=0)}
        if self.mode == "seizure":
            initial.update(receiver=self.request.user.pk, location=device.seized_where)
        else:
            current = custody.holder(device)
            if current is not None:
                initial["location"] = current.location
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.device()
        current = custody.holder(device)
        heading = f"{self.HEADINGS[self.mode]}: {device}"
        if self.mode == "handover" and current is not None:
            heading += f" (held by {current.received_by})"
        context.update(object=device, heading=heading, fieldsets=[])
        return context

    def form_valid(self, form):
        device, data = self.device(), form.cleaned_data
        try:
            entry = custody.add_entry(
                device, self.mode, data, to=form.to(), recorded_by=self.request.user
            )
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc}
            for name, messages_ in errors.items():
                form.add_error(name if name in form.fields else None, messages_)
            return self.form_invalid(form)
        messages.success(self.request, f"Chain of custody: entry {entry.number} recorded.")
        return redirect(f"{device.get_absolute_url()}#custody")
