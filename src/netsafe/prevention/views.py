"""Staff pages of the helpline: the day's contacts, logging a contact, escalations, trends.

Every view is wrapped by :func:`~netsafe.prevention.access.prevention_view`:
charity staff only; police users get 404. The figures shown here are the
charity's own, uncontrolled; only ``aggregates`` lets counts out.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from netsafe.accounts.permissions import CHANGE
from netsafe.web.charts import Chart, Series, horizontal_bar_chart
from netsafe.web.params import bounded

from .access import LOG_CONTACTS, SEE_FIGURES, can, prevention_view
from .choices import CallerType, ContactLanguage, HeardFrom, regions_in
from .forms import ContactForm, EscalationForm
from .models import ALL_VISITORS, Contact, Escalation, SelfHelpVisits
from .periods import add_months, counting_year, launch_day, local_bounds


@prevention_view()
def today(request):
    """The day's contacts (``?day=YYYY-MM-DD`` for another day); analysts go to the trends."""
    if not can(request.user, LOG_CONTACTS):
        return redirect("prevention:trends")
    day = _day_param(request, "day") or timezone.localdate()
    contacts = list(Contact.objects.on_day(day).annotate(n_escalations=Count("escalations")))
    return render(
        request,
        "prevention/today.html",
        {
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1) if day < timezone.localdate() else None,
            "contacts": contacts,
            "handlers": _usernames(c.handler for c in contacts),
            "latest_day": None if contacts else _latest_day_before(day),
            "visitors": SelfHelpVisits.objects.filter(period="day", start=day, nation=ALL_VISITORS)
            .values_list("visitors", flat=True)
            .first()
            or 0,
        },
    )


@prevention_view(LOG_CONTACTS)
def contact_new(request):
    """Log a contact."""
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.handler = request.user.pk
        contact.save()
        messages.success(request, _("Contact logged."))
        return redirect("prevention:contact", pk=contact.pk)
    return render(request, "prevention/contact_form.html", {"form": form, "contact": None})


@prevention_view(LOG_CONTACTS)
def contact_detail(request, pk: int):
    """One contact and its escalations."""
    contact = get_object_or_404(Contact, pk=pk)
    escalations = list(contact.escalations.all())
    return render(
        request,
        "prevention/contact_detail.html",
        {
            "contact": contact,
            "escalations": escalations,
            "handlers": _usernames([contact.handler, *(e.recorded_by for e in escalations)]),
            "can_edit": _can_edit(request.user, contact),
        },
    )


@prevention_view(LOG_CONTACTS)
def contact_edit(request, pk: int):
    """Correct a contact: the handler who logged it, or a helpline supervisor."""
    contact = get_object_or_404(Contact, pk=pk)
    if not _can_edit(request.user, contact):
        raise Http404("No such page.")
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Contact updated."))
        return redirect("prevention:contact", pk=contact.pk)
    return render(request, "prevention/contact_form.html", {"form": form, "contact": contact})


@prevention_view(LOG_CONTACTS)
def escalate(request, pk: int):
    """Record a safeguarding escalation made about this contact."""
    contact = get_object_or_404(Contact, pk=pk)
    form = EscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        escalation = form.save(commit=False)
        escalation.contact = contact
        escalation.recorded_by = request.user.pk
        escalation.save()
        messages.success(request, _("Escalation recorded."))
        return redirect("prevention:contact", pk=contact.pk)
    return render(request, "prevention/escalation_form.html", {"form": form, "contact": contact})


@prevention_view(LOG_CONTACTS)
def escalations(request):
    """Safeguarding escalations made in one month (``?month=YYYY-MM``; default: the latest)."""
    month = _month_param(request, "month")
    if month is None:
        latest = Escalation.objects.order_by("-made_at").values_list("made_at", flat=True).first()
        month = (timezone.localtime(latest).date() if latest else timezone.localdate()).replace(
            day=1
        )
    since, until = local_bounds(month, add_months(month, 1) - timedelta(days=1))
    rows = list(
        Escalation.objects.filter(made_at__gte=since, made_at__lt=until).select_related("contact")
    )
    return render(
        request,
        "prevention/escalations.html",
        {
            "month": month,
            "previous_month": add_months(month, -1),
            "next_month": add_months(month, 1),
            "escalations": rows,
            "handlers": _usernames(e.recorded_by for e in rows),
        },
    )


def bar_chart(ident: str, title: str, rows: list[tuple[str, int]]) -> dict:
    """``rows`` (label, count) drawn as bars across (the SVG, whose element id is ``ident``),
    with the title and the rows for the table of the same figures beside it."""
    chart = Chart(
        ident,
        title,
        _("One bar for each row of the table under the chart."),
        [label for label, _n in rows],
        [Series(title, [n for _label, n in rows])],
    )
    return {"id": ident, "title": title, "rows": rows, "svg": horizontal_bar_chart(chart)}


@prevention_view(SEE_FIGURES)
def trends(request):
    """Contacts, callers and self-help visitors by month, for 24 months (``?to=YYYY-MM``)."""
    last = _month_param(request, "to") or _latest_month()
    first = add_months(last, -23)
    rows = monthly_figures(first, last)
    return render(
        request,
        "prevention/trends.html",
        {
            "first": first,
            "last": last,
            "rows": rows,
            "earlier": add_months(last, -12),
            "later": add_months(last, 12),
            "contacts_chart": bar_chart(
                "contacts-chart",
                _("Helpline contacts per month"),
                [(date_format(r["month"], "M Y"), r["contacts"]) for r in rows],
            ),
            "visitors_chart": bar_chart(
                "visitors-chart",
                _("Self-help visitors per month"),
                [(date_format(r["month"], "M Y"), r["visitors"]) for r in rows],
            ),
        },
    )


@prevention_view(SEE_FIGURES)
def heard(request):
    """What brings people: how they heard of us and who calls, in one counting year."""
    year_param = request.GET.get("year", "")
    if year_param:
        if not (year_param.isdigit() and 2000 <= int(year_param) <= 2100):
            raise Http404("No such year.")
        launch = launch_day()
        start, end = counting_year(date(int(year_param), launch.month, launch.day))
    else:
        start, end = counting_year(_latest_month())
    contacts = Contact.objects.between(start, end)
    by_heard = dict(contacts.values_list("heard_from").annotate(n=Count("pk")))
    by_type = dict(contacts.values_list("caller_type").annotate(n=Count("pk")))
    heard_rows = [(label, by_heard.get(value, 0)) for value, label in HeardFrom.choices]
    type_rows = [(label, by_type.get(value, 0)) for value, label in CallerType.choices]
    return render(
        request,
        "prevention/heard.html",
        {
            "start": start,
            "end": end,
            "previous_year": start.year - 1,
            "next_year": start.year + 1,
            "heard_chart": bar_chart("heard-chart", _("How they heard of us"), heard_rows),
            "type_chart": bar_chart("type-chart", _("Who contacted us"), type_rows),
            "total": sum(n for _, n in heard_rows),
        },
    )


def monthly_figures(first: date, last: date) -> list[dict]:
    """Per month from ``first`` to ``last`` (first days): contacts, callers, Welsh callers,
    contacts held in Welsh, escalations and self-help visitors. A returning caller counts
    once per month."""
    end = add_months(last, 1) - timedelta(days=1)
    contacts = Contact.objects.between(first, end)
    since, until = local_bounds(first, end)
    coded = ~Q(caller_code="")
    wales = Q(region__in=regions_in("wales"))
    per_month = {
        _as_date(row["month"]): row
        for row in contacts.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(
            contacts=Count("pk"),
            codes=Count("caller_code", distinct=True, filter=coded),
            uncoded=Count("pk", filter=~coded),
            wales_codes=Count("caller_code", distinct=True, filter=coded & wales),
            wales_uncoded=Count("pk", filter=~coded & wales),
            in_welsh=Count("pk", filter=Q(language=ContactLanguage.WELSH)),
        )
    }
    escalations = dict(
        Escalation.objects.filter(made_at__gte=since, made_at__lt=until)
        .annotate(month=TruncMonth("made_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    escalations = {_as_date(k): v for k, v in escalations.items()}
    visitors = dict(
        SelfHelpVisits.objects.filter(
            period="month", nation=ALL_VISITORS, start__range=(first, end)
        ).values_list("start", "visitors")
    )
    rows = []
    month = first
    while month <= last:
        row = per_month.get(month, {})
        rows.append(
            {
                "month": month,
                "contacts": row.get("contacts", 0),
                "callers": row.get("codes", 0) + row.get("uncoded", 0),
                "wales_callers": row.get("wales_codes", 0) + row.get("wales_uncoded", 0),
                "in_welsh": row.get("in_welsh", 0),
                "escalations": escalations.get(month, 0),
                "visitors": visitors.get(month, 0),
            }
        )
        month = add_months(month, 1)
    return rows


def _as_date(value) -> date:
    """TruncMonth gives an aware datetime (local time); the month's first day."""
    if hasattr(value, "date"):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _can_edit(user, contact: Contact) -> bool:
    return can(user, CHANGE, contact)


def _usernames(ids) -> dict[int, str]:
    """Staff usernames by user id (users live in the other database: no join)."""
    wanted = {i for i in ids if i}
    users = get_user_model().objects.filter(pk__in=wanted).values_list("pk", "username")
    return dict(users)


def _latest_day_before(day: date) -> date | None:
    """The last day before ``day`` with a contact, to offer when ``day`` has none."""
    latest = (
        Contact.objects.filter(occurred_at__lt=local_bounds(day, day)[0])
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return timezone.localtime(latest).date() if latest else None


def _latest_month() -> date:
    latest = Contact.objects.order_by("-occurred_at").values_list("occurred_at", flat=True)[:1]
    visits = SelfHelpVisits.objects.order_by("-start").values_list("start", flat=True)[:1]
    candidates = [timezone.localtime(d).date() for d in latest] + list(visits)
    return (max(candidates) if candidates else timezone.localdate()).replace(day=1)


def _day_param(request, name: str) -> date | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404(f"{name} must be a date like 2016-11-24") from None
    # A page steps a day either side: the calendar's ends overflow (400, not 500).
    return bounded(day, name, value)


def _month_param(request, name: str) -> date | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    try:
        month = date.fromisoformat(value + "-01")
    except ValueError:
        raise Http404(f"{name} must be a month like 2017-10") from None
    return bounded(month, name, value)
