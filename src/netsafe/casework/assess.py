"""The risk assessment of a referral, one step at a time, then "check your answers".

Each of the four steps (previous behaviour, access to children, current
facilitators, other factors) asks its questions as yes/no radios; the answers
are kept in the session until the officer checks them, sees the band and the
date action is due, and saves the assessment.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from netsafe.web.forms import GovukDateField

from . import access, plausibility, risk, services
from .models import Referral, RiskAssessment
from .querysets import today
from .views import CaseworkMixin

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _session_key(referral: Referral) -> str:
    return f"casework:assess:{referral.pk}"


class StepForm(forms.Form):
    """The questions of one step, each answered yes or no."""

    def __init__(self, *args, step: risk.Step, **kwargs):
        super().__init__(*args, **kwargs)
        for question in step.questions:
            self.fields[question.field] = forms.ChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={
                    "required": format_lazy(
                        _("Answer yes or no: {question}"), question=question.text
                    )
                },
            )


class SaveForm(forms.Form):
    """The date of the assessment and its rationale, asked on the check page."""

    assessed_on = GovukDateField(label=_("Date of the assessment"), initial=today)
    rationale = forms.CharField(
        label=_("Rationale"),
        help_text=_("Why, in a few words: what the intelligence shows."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def clean_assessed_on(self):
        # The rule every assessment is held to (the 2035 assessment kept a high-risk
        # referral off the overdue list for nine years).
        on = self.cleaned_data["assessed_on"]
        problem = plausibility.recorded_date(on, plausibility.today())
        if problem:
            raise forms.ValidationError(f"Date of the assessment {problem}.")
        return on


class AssessmentMixin(CaseworkMixin):
    """The referral being assessed, among those the user may change."""

    model = Referral

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.writes_casework(request.user):
            raise Http404("You cannot change casework.")
        return super().dispatch(request, *args, **kwargs)

    def get_referral(self) -> Referral:
        """The referral in the URL, if the user may change it (else 404)."""
        if not hasattr(self, "referral"):
            qs = Referral.objects.editable_by(self.request.user)
            self.referral = get_object_or_404(qs, pk=self.kwargs["pk"])
        return self.referral

    def answers(self) -> dict[str, str]:
        """The answers given so far (``yes``/``no`` by question)."""
        return self.request.session.get(_session_key(self.get_referral()), {})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(referral=self.get_referral(), steps=risk.STEPS)
        return context


class StepView(AssessmentMixin, FormView):
    """One step of the questionnaire (``/assess/<step>/``)."""

    template_name = "casework/assess_step.html"
    form_class = StepForm

    def step(self) -> risk.Step:
        number = self.kwargs["step"]
        if not 1 <= number <= len(risk.STEPS):
            raise Http404("No such step.")
        return risk.STEPS[number - 1]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["step"] = self.step()
        return kwargs

    def get_initial(self):
        answers = self.answers()
        return {q.field: answers[q.field] for q in self.step().questions if q.field in answers}

    def form_valid(self, form):
        key = _session_key(self.get_referral())
        self.request.session[key] = {**self.answers(), **form.cleaned_data}
        number = self.kwargs["step"]
        if number < len(risk.STEPS) and not self.request.GET.get("check"):
            return redirect("casework:referral-assess", pk=self.kwargs["pk"], step=number + 1)
        return redirect("casework:referral-assess-check", pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(step=self.step(), number=self.kwargs["step"])
        return context


class CheckView(AssessmentMixin, FormView):
    """Check the answers, see the band and the due date, and save."""

    template_name = "casework/assess_check.html"
    form_class = SaveForm

    def get(self, request, *args, **kwargs):
        missing = self._first_missing_step()
        if missing:
            return redirect("casework:referral-assess", pk=self.kwargs["pk"], step=missing)
        return super().get(request, *args, **kwargs)

    def _first_missing_step(self) -> int:
        answers = self.answers()
        for number, step in enumerate(risk.STEPS, 1):
            if any(q.field not in answers for q in step.questions):
                return number
        return 0

    def _booleans(self) -> dict[str, bool]:
        return {name: value == "yes" for name, value in self.answers().items()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        answers = self.answers()
        band = risk.band(self._booleans())
        context.update(
            band=band,
            band_label=band.label,
            due=risk.action_due(band, today()),
            summary=[
                {
                    "number": number,
                    "step": step,
                    "answers": [(q, answers.get(q.field) == "yes") for q in step.questions],
                }
                for number, step in enumerate(risk.STEPS, 1)
            ],
        )
        return context

    def form_valid(self, form):
        if self._first_missing_step():
            return redirect(
                "casework:referral-assess", pk=self.kwargs["pk"], step=self._first_missing_step()
            )
        referral = self.get_referral()
        assessment = services.save(
            RiskAssessment(
                referral=referral,
                assessed_by=self.request.user,
                assessed_on=form.cleaned_data["assessed_on"],
                rationale=form.cleaned_data["rationale"],
                **self._booleans(),
            )
        )
        self.request.session.pop(_session_key(referral), None)
        messages.success(
            self.request,
            _("Risk band %(band)s: action due by %(due)s.")
            % {
                "band": assessment.get_band_display().lower(),
                "due": date_format(assessment.action_due, "j F Y"),
            },
        )
        return redirect(reverse("casework:riskassessment-detail", args=[assessment.pk]))
