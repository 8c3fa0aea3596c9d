"""The statistics dashboard and the operation report (HTML and PDF)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from netsafe.web.params import parse_day

from .access import sees_dashboard
from .dashboard import context
from .figures import last_day_with_data
from .report import render_pdf


def as_at_of(request) -> tuple[date, str]:
    """The ``as_at`` date asked for and an error message for a bad one.

    Without one: the last day with data (today when there is none), so that the page
    opens on the operation's latest figures rather than on empty months up to today.
    A date outside the bounds of :mod:`netsafe.web.params` is a 400.
    """
    value = request.GET.get("as_at", "").strip()
    default = last_day_with_data() or timezone.localdate()
    if not value:
        return default, ""
    try:
        date.fromisoformat(value)
    except ValueError:
        return default, (
            f"{value!r} is not a date as YYYY-MM-DD: showing {default:%-d %B %Y}, "
            "the last day with data."
        )
    # A real date at the calendar's ends overflows the month arithmetic: a 400 page.
    return parse_day(value, "as_at"), ""


def _require(user) -> None:
    if not sees_dashboard(user):
        raise Http404("No statistics here.")


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "stats/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        as_at, error = as_at_of(self.request)
        return super().get_context_data(**kwargs) | context(as_at) | {"as_at_error": error}


class ReportView(DashboardView):
    template_name = "stats/report.html"


@login_required
def report_pdf(request):
    _require(request.user)
    as_at, _error = as_at_of(request)
    response = HttpResponse(render_pdf(as_at), content_type="application/pdf")
    name = f"netsafe-operation-report-{as_at.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
