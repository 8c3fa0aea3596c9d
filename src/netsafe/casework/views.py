"""Casework pages: one generic set of views serves every record type in the registry.

Every view takes its records from ``visible_to(user)`` (reading) or
``editable_by(user)`` (changing), so a record of another force is "not
found", and a user without casework access finds no casework page at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView
from django_filters.filterset import FilterSet, filterset_factory

from netsafe.accounts.permissions import READ, allowed
from netsafe.audit import record
from netsafe.audit.bulk import record_shown
from netsafe.web.forms import GovukDateField
from netsafe.web.rows import Statement

from . import access, figures, mywork, normalise, services, vocabulary
from .choices import IdentifierKind
from .forms import form_class
from .models import Alert
from .registry import RecordType


class CaseworkMixin(LoginRequiredMixin):
    """Login, then 404 for anyone who has no casework."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.reads_casework(request.user):
            raise Http404("No casework here.")
        return super().dispatch(request, *args, **kwargs)


_RECORDS: dict[str, Statement] = {}


def _related_of(rt: RecordType, shows_force: bool) -> tuple[str, ...]:
    # Operation-wide readers see every force's records, so each row names its force.
    return (*rt.select_related, "force") if shows_force else tuple(rt.select_related)


def visible_record(rt: RecordType, user, pk: int):
    """The record ``pk`` of type ``rt`` if ``user`` may read it, else None.

    As :meth:`RecordMixin.get_queryset` and ``.filter(pk=pk)``, by a statement compiled
    once for each scope (a force, or every force).
    """
    statement = _RECORDS.get(rt.name)
    if statement is None:

        def build(scope, shows_force: bool, pk: int):
            qs = rt.model.objects.visible_in(scope)
            related = _related_of(rt, shows_force)
            return (qs.select_related(*related) if related else qs).filter(pk=pk)[:2]

        statement = _RECORDS[rt.name] = Statement(build, keys=2)
    found = statement(access.read_scope(user), access.reads_all_forces(user), pk)
    return found[0] if found else None


class RecordMixin(CaseworkMixin):
    """A view of one record type (``record_type``), reading through the access rules."""

    record_type: RecordType = None  # type: ignore[assignment]  # given to as_view()

    @property
    def model(self):
        return self.record_type.model

    def get_queryset(self):
        rt = self.record_type
        qs = rt.model.objects.visible_to(self.request.user)
        related = _related_of(rt, self.shows_force())
        return qs.select_related(*related) if related else qs

    def shows_force(self) -> bool:
        return access.reads_all_forces(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rt"] = self.record_type
        context["can_edit"] = access.writes_casework(self.request.user)
        context["show_force"] = self.shows_force()
        return context


class GovukDateFilter(django_filters.DateFilter):
    """A date filter asked in the GOV.UK date input's three boxes, like every date."""

    field_class = GovukDateField


class CaseworkFilterSet(FilterSet):
    """Dates are typed in the GOV.UK date input, as on the forms."""

    class Meta:
        filter_overrides = {models.DateField: {"filter_class": GovukDateFilter}}


_FILTERSETS: dict[str, type[FilterSet]] = {}


def filterset_for(rt: RecordType) -> type[FilterSet]:
    """The FilterSet of ``rt``'s filter fields (built once per record type)."""
    if rt.name not in _FILTERSETS:
        _FILTERSETS[rt.name] = filterset_factory(
            rt.model, filterset=CaseworkFilterSet, fields=list(rt.filters)
        )
    return _FILTERSETS[rt.name]


def search_q(model, path: str, text: str) -> Q:
    """Records whose field at ``path`` matches ``text``; related paths as subqueries.

    How a field matches is marked on its path in the registry:

    - ``=ref``: the whole value, as typed or in capitals (references, districts);
    - ``^family_name``: the value begins with ``text``, any case, answered by an
      index on the field's lower-case copy ``family_name_lower``;
    - ``normalised``: an identifier however written (:func:`.normalise.candidates`);
    - otherwise the value contains ``text``, any case (a scan: for long text only).

    A subquery per related table keeps the search one pass over each table; an
    OR across a join would make the database join everything first.
    """
    mode = path[0] if path[0] in "=^" else ""
    path = path.lstrip("=^")
    name, _, rest = path.partition("__")
    if rest:
        field = model._meta.get_field(name)
        inner = search_q(field.related_model, mode + rest, text)
        related = field.related_model._base_manager.filter(inner)
        if field.many_to_one:
            return Q(**{f"{name}__in": related.values("pk")})
        # A reverse relation: the related rows point at us through their foreign key.
        return Q(pk__in=related.values(field.field.attname))
    if name == "normalised":
        found = Q(normalised__in=normalise.candidates(text))
        try:
            handle = normalise.account(text)
        except ValidationError:
            return found
        # An online account is kept as "service:handle": a handle alone finds it on
        # any service (issue 13: ?q=adunn24 found nothing, the API found it).
        return found | Q(kind=IdentifierKind.ACCOUNT, handle=handle)
    if mode == "=":
        return Q(**{f"{name}__in": sorted({text, text.upper()})})
    if mode == "^" and text.isascii():
        # The database's lower() folds ASCII letters alike everywhere; a range on the
        # lower-case copy is an index seek in SQLite and PostgreSQL both.
        low = text.lower()
        return Q(**{f"{name}_lower__gte": low, f"{name}_lower__lt": low + "\U0010ffff"})
    return Q(**{f"{name}__icontains": text})


def search_keys(model, paths, text: str, user) -> models.QuerySet:
    """The keys of ``user``'s readable records of ``model`` that match ``text`` on any of
    ``paths``.

    One SELECT per path, joined by UNION: each is answered by its own index (a
    range on a lower-case copy, a whole value, an identifier's normal form).
    The same terms ORed in one WHERE could not be: the subquery of a related
    table among them made PostgreSQL read the whole table instead.

    Each SELECT keeps only the records ``user`` reads, so the keys are the few matches
    of the reader's force, looked up one by one: matching every force and narrowing
    afterwards joined every force's matches to the whole force's records (a surname at
    100 times the demo: 5-7 ms, against 2 ms).
    """
    readable = model.objects.visible_to(user)
    keys = [readable.filter(search_q(model, p, text)).order_by().values("pk") for p in paths]
    return keys[0].union(*keys[1:]) if len(keys) > 1 else keys[0]


class Found(Sequence):
    """Records found by a search, in the order of their keys, read a page at a time.

    The keys are already in the list's order, so a page is the records of a slice
    of them, fetched by key: no count and no OFFSET over the matches in SQL (a
    planner that guesses the matches are spread evenly would walk the list's
    index for them instead).
    """

    def __init__(self, queryset: models.QuerySet, keys: list):
        self.queryset = queryset.order_by()
        self.model = queryset.model
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        keys = self.keys[index]
        records = {r.pk: r for r in self.queryset.filter(pk__in=keys)} if keys else {}
        return [records[k] for k in keys if k in records]


#: Most matches a search shows; past it the officer is asked to narrow the search.
SEARCH_LIMIT = 500

#: Query parameters of a list that are not its filter form's fields.
NOT_FILTERS = frozenset({"q", "page", "state"})
#: Filter forms drawn with no value chosen, by record type, language and whether bound:
#: drawing a form through its field templates took a fifth of a list's time, and a
#: blank form is the same every time.
_BLANK_FILTERS: dict[tuple[str, str | None, bool], str] = {}


def filter_form_html(rt: RecordType, form, params) -> str:
    """``form`` (the list's filters) drawn: once per language when ``params`` choose no
    filter value; every time when they do (the form shows the values chosen), or when a
    field's choices are records (they change as records do)."""
    if not form.fields:
        return ""
    if any(key not in NOT_FILTERS for key in params) or any(
        hasattr(field, "queryset") for field in form.fields.values()
    ):
        return form.render()
    key = (rt.name, get_language(), form.is_bound)
    html = _BLANK_FILTERS.get(key)
    if html is None:
        html = _BLANK_FILTERS[key] = form.render()
    return html


class RecordListView(RecordMixin, ListView):
    """A paginated list with search (``?q=``), filters and named states (``?state=``)."""

    paginate_by = 25
    template_name = "casework/record_list.html"

    def get_queryset(self):
        qs = super().get_queryset()
        rt = self.record_type
        state = self.request.GET.get("state", "")
        if state:
            if state not in rt.states:
                raise Http404(f"No state {state!r} for {rt.verbose_name_plural}.")
            qs = getattr(qs, rt.states[state][1])()
        self.filterset = filterset_for(rt)(self.request.GET or None, queryset=qs)
        for field in self.filterset.form.fields.values():
            if getattr(field, "empty_label", None) is not None:
                field.empty_label = _("Any")
                # Re-bind the choices so the widget draws the new empty label.
                field.choices = getattr(field.choices, "choices", field.choices)
        if self.filterset.is_bound and self.filterset.is_valid():
            qs = self.filterset.qs
        self.query = self.request.GET.get("q", "").strip()
        self.search_truncated = False
        if self.query and rt.search:
            # The matches are found by the search's own indexes (within what the user
            # reads) and only then narrowed by the list's state and filters: asked
            # together, the database tends to walk the whole force instead. Counting
            # and paging then work on the keys.
            found = qs.filter(
                pk__in=search_keys(rt.model, rt.search, self.query, self.request.user)
            )
            pks = list(found.values_list("pk", flat=True)[: SEARCH_LIMIT + 1])
            self.search_truncated = len(pks) > SEARCH_LIMIT
            return Found(qs, pks[:SEARCH_LIMIT])
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        # One audit entry per page shown: the search terms or filters, and the records' ids.
        rt = self.record_type
        if self.query and rt.search:
            action, detail = "search", f"{rt.slug}: {self.query}"
        else:
            action, detail = "list", f"{rt.slug}: {self.request.GET.urlencode()}".rstrip(": ")
        record_shown(rt.model, context["object_list"], action=action, detail=detail)
        context.update(
            filterset=self.filterset,
            filter_form=filter_form_html(rt, self.filterset.form, self.request.GET),
            query=self.query,
            search_truncated=self.search_truncated,
            search_limit=SEARCH_LIMIT,
            state=self.request.GET.get("state", ""),
            state_label=self.record_type.states.get(self.request.GET.get("state", ""), ("",))[0],
            querystring=params.urlencode(),
        )
        return context


#: Rows of a related list shown on a record's page (the rest are a search away).
RELATED_SHOWN = 100
_RELATED: dict[tuple[type, str], tuple[Any, Statement]] = {}


def related_rows(obj, accessor: str) -> tuple[type, list]:
    """The model of ``obj``'s reverse relation ``accessor`` and its first records.

    As ``list(getattr(obj, accessor).all()[:RELATED_SHOWN])``, each record knowing ``obj``,
    by a statement compiled once (a record's page shows up to eight such lists).
    """
    key = (type(obj), accessor)
    found = _RELATED.get(key)
    if found is None:
        field = getattr(type(obj), accessor).field
        model = field.model
        found = _RELATED[key] = (
            field,
            Statement(
                lambda pk: model._default_manager.filter(**{field.attname: pk})[:RELATED_SHOWN]
            ),
        )
    field, statement = found
    rows = statement(obj.pk)
    for row in rows:
        field.set_cached_value(row, obj)
    return field.model, rows


class RecordDetailView(RecordMixin, DetailView):
    """A record's page: its fields, related records and the actions that move the case on."""

    def get_template_names(self):
        return [f"casework/{self.record_type.name}_detail.html", "casework/record_detail.html"]

    def get_object(self, queryset=None):
        if queryset is not None:
            obj = super().get_object(queryset)
        else:
            found = visible_record(self.record_type, self.request.user, self.kwargs["pk"])
            if found is None:
                raise Http404(f"No {self.record_type.verbose_name} found.")
            obj = found
        if self.record_type.log_views:
            record("view", obj)
        return obj

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        obj = self.object
        sections = []
        for rel in self.record_type.related:
            # Records linked to one the user may see are of its force (the models refuse
            # links across forces), so the link alone selects them: an extra force filter
            # only tempts the database into scanning the whole force.
            model, rows = related_rows(obj, rel.accessor)
            sections.append({"related": rel, "model": model, "rows": rows})
        actions = []
        if context["can_edit"] and obj.force_id == user.force_id:
            for action in self.record_type.actions:
                if action.when and not getattr(obj, action.when)():
                    continue
                if action.url_name:
                    url = reverse(f"casework:{action.url_name}", args=[obj.pk, *action.url_args])
                elif action.creates:
                    url = reverse(f"casework:{action.creates}-create")
                    url = f"{url}?{action.parent}={obj.pk}"
                else:
                    url = reverse(f"casework:{self.record_type.name}-{action.name}", args=[obj.pk])
                actions.append({"label": action.label, "url": url})
        alerts = Alert.objects.visible_to(user)
        # Alerts are for supervisors: for anyone else there is nothing to ask or build.
        if hasattr(obj, "alerts") and not alerts.query.is_empty():
            alerts = alerts.filter(pk__in=obj.alerts.values("pk"))
        else:
            alerts = []
        context.update(sections=sections, actions=actions, alerts=alerts)
        return context


class RecordFormMixin(RecordMixin):
    """Creating and changing records: the user's own force's records only."""

    template_name = "casework/record_form.html"
    fields_override: tuple[str, ...] | None = None
    heading = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access.writes_casework(request.user):
            raise Http404("You cannot change casework.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.record_type.model.objects.editable_by(self.request.user)

    def get_form_class(self):
        return form_class(self.record_type, self.fields_override)

    def get_form(self, form_class=None):
        """The form, its labels and hints in the page's language."""
        form = super().get_form(form_class)
        vocabulary.translate_form(form)
        return form

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        fieldsets = []
        if not self.fields_override:
            for legend, names in self.record_type.fieldsets:
                fieldsets.append({"legend": legend, "fields": [form[n] for n in names]})
        context.update(fieldsets=fieldsets, heading=self.heading or self.get_heading())
        return context

    def form_valid(self, form):
        if self.object is not None and self.object.pk and not form.has_changed():
            # Saying "saved" when nothing changed leaves an officer thinking it did.
            messages.info(self.request, "Nothing was changed.")
            return HttpResponseRedirect(self.get_success_url())
        # The record, then what it changes in its case (casework.services).
        self.object = services.save(form.save(commit=False))
        form.save_m2m()
        messages.success(self.request, f"{self.record_type.verbose_name.capitalize()} saved.")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        obj = self.object
        if not self.record_type.listed:
            # Parts of a record (identifiers, addresses, hand-overs, children) go back to it.
            for parent in self.record_type.parents:
                target = getattr(obj, parent, None)
                if target is not None:
                    return target.get_absolute_url()
        return obj.get_absolute_url()


class RecordCreateView(RecordFormMixin, CreateView):
    """A new record, its links filled from the page it was reached from."""

    def get_heading(self):
        return _("New %(what)s") % {"what": self.record_type.verbose_name}

    def get_initial(self):
        initial = super().get_initial()
        user = self.request.user
        for name in self.record_type.parents:
            value = self.request.GET.get(name)
            if not value:
                continue
            related = self.record_type.model._meta.get_field(name).related_model
            if not value.isdigit():
                raise Http404("Bad link.")
            parent = get_object_or_404(related.objects.editable_by(user), pk=int(value))
            initial[name] = parent
            # A warrant brings its subject; a subject its referral.
            for other in self.record_type.parents:
                if other != name and other not in initial and hasattr(parent, f"{other}_id"):
                    initial[other] = getattr(parent, other)
        if self.record_type.initial is not None:
            for name, value in self.record_type.initial(user).items():
                initial.setdefault(name, value)
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        instance = self.record_type.model(force_id=self.request.user.force_id)
        if self.record_type.prepare is not None:
            self.record_type.prepare(instance, self.request.user)
        kwargs["instance"] = instance
        return kwargs


class RecordUpdateView(RecordFormMixin, UpdateView):
    """Change a record of the user's force."""

    def get_heading(self):
        return _("Change %(what)s %(record)s") % {
            "what": self.record_type.verbose_name,
            "record": self.object,
        }


class RecordActionView(RecordUpdateView):
    """A change of a few fields that moves the case on (e.g. executing a warrant)."""

    action_name = ""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        action = self.record_type.action(self.action_name)
        if action.when and not getattr(obj, action.when)():
            raise Http404(f"{action.label} is not possible now.")
        return obj

    def get_heading(self):
        return f"{self.record_type.action(self.action_name).label}: {self.object}"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # An action records its first field ("Record the issue": the issue date): without
        # it the action does nothing, so it is asked for, not silently skipped.
        first = self.record_type.action(self.action_name).fields[0]
        form.fields[first].required = True
        return form


class HomeView(LoginRequiredMixin, TemplateView):
    """The operation's headline figures: the user's force, or operation-wide."""

    template_name = "casework/home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if not access.sees_figures(user) and user.is_prevention:
            try:
                return redirect(reverse("prevention:today"))
            except NoReverseMatch:
                pass
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        scope = access.figures_scope(user)
        if scope is not access.NO_FIGURES:
            context["figures"] = figures.shown_headline(force=scope)
            context["scope"] = scope.name if scope is not None else "the whole operation"
        context["reads_casework"] = access.reads_casework(user)
        return context


class MyWorkView(CaseworkMixin, TemplateView):
    """What the user's roles should do next."""

    template_name = "casework/my_work.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = mywork.sections(self.request.user)
        # One audit entry for the page: every record it lists, labelled with its type.
        shown = [row for section in context["sections"] for row in section.rows]
        record_shown(None, shown, detail="my work")
        context["show_force"] = access.reads_all_forces(self.request.user)
        alerts = Alert.objects.visible_to(self.request.user)
        # Alerts are for supervisors: for anyone else the rules leave none, and there is
        # nothing to ask (an empty query still cost its compiling on every view).
        context["alerts"] = (
            []
            if alerts.query.is_empty()
            else alerts.unacknowledged().select_related("other_force", "subject", "referral")[:20]
        )
        return context


class AlertListView(CaseworkMixin, ListView):
    """The deconfliction alerts of the supervisor's force."""

    model = Alert
    template_name = "casework/alert_list.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        detail = f"alerts: {self.request.GET.urlencode()}".rstrip(": ")
        record_shown(Alert, context["object_list"], detail=detail)
        return context

    def get_queryset(self):
        # Not an empty list for other casework roles: the page is not theirs (the gate).
        if not allowed(self.request.user, READ, Alert):
            raise Http404("Alerts are for supervisors.")
        return Alert.objects.visible_to(self.request.user).select_related(
            "other_force", "subject", "referral"
        )


class AlertDetailView(CaseworkMixin, DetailView):
    """One alert: the other force, its reference and contact, nothing more."""

    model = Alert
    template_name = "casework/alert_detail.html"

    def get_queryset(self):
        return Alert.objects.visible_to(self.request.user).select_related(
            "other_force", "subject", "referral", "acknowledged_by"
        )


@require_POST
def acknowledge_alert(request, pk: int):
    """A supervisor marks an alert as dealt with (they have called the other force)."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
    alert = get_object_or_404(Alert.objects.editable_by(request.user), pk=pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = request.user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "updated"])
        messages.success(request, "Alert marked as dealt with.")
    return redirect(alert)
