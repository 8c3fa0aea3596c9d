"""What the generic pages and API know about each kind of casework record.

One :class:`RecordType` per model says which fields its form has, which
columns its list shows, what can be searched and filtered, which named states
(queryset methods such as ``overdue``) the list offers, which records appear on
its page and which actions move the case on from there, and, as hooks, the
form and API serializer it is made with, the values a new record's form
starts with and what a new record is given before its form is shown. The
views, URLs, API and navigation are all built from :data:`RECORD_TYPES` and
know no model by name, so a new kind of record is its model and one entry
here, not a new set of views (a page of its own is optional: a template
``casework/<model>_detail.html`` replaces the generic record page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from . import models as m
from .forms import EncounterForm, IdentifierForm, RecordForm, RiskAssessmentForm, SafeguardingForm
from .risk import STEPS
from .serializers import EncounterSerializer, RecordSerializer


@dataclass(frozen=True)
class Related:
    """A list of records shown on a record's page (``accessor`` is the reverse relation)."""

    title: str
    accessor: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """A link from a record's page that moves the case on.

    Either a new record of ``creates`` (a model name) with this record as its
    ``parent`` field, or a change of ``fields`` of this record (``name`` is then
    part of the URL: ``/casework/warrants/3/execute/``).
    """

    label: str
    name: str = ""
    creates: str = ""
    parent: str = ""
    fields: tuple[str, ...] = ()
    #: Shown only while the record's state allows it (a method name on the instance).
    when: str = ""
    #: Or a page of its own: a URL name taking the record's pk (and ``url_args``).
    url_name: str = ""
    url_args: tuple = ()


#: The models' names, for the translation catalogue: the models name themselves in English,
#: and ``RecordType.verbose_name`` looks the name up in the page's language.
_RECORD_NAMES = (
    gettext_noop("referral"),
    gettext_noop("referrals"),
    gettext_noop("subject"),
    gettext_noop("subjects"),
    gettext_noop("risk assessment"),
    gettext_noop("risk assessments"),
    gettext_noop("warrant"),
    gettext_noop("warrants"),
    gettext_noop("arrest"),
    gettext_noop("arrests"),
    gettext_noop("voluntary interview"),
    gettext_noop("voluntary interviews"),
    gettext_noop("device"),
    gettext_noop("devices"),
    gettext_noop("safeguarding"),
    gettext_noop("signposting"),
    gettext_noop("outcome"),
    gettext_noop("outcomes"),
    gettext_noop("identifier"),
    gettext_noop("identifiers"),
    gettext_noop("address"),
    gettext_noop("addresses"),
    gettext_noop("custody hand-over"),
    gettext_noop("custody hand-overs"),
    gettext_noop("child"),
    gettext_noop("children"),
)


@dataclass(frozen=True)
class RecordType:
    """How one model appears as pages and an API endpoint."""

    model: type[models.Model]
    #: URL segment of the list: ``/casework/<slug>/``.
    slug: str
    #: Fields of the create and edit form, in order.
    fields: tuple[str, ...]
    #: Columns of the list (field names or attributes).
    columns: tuple[str, ...]
    #: Fields searched by ``?q=``: ``=`` whole value, ``^`` beginning, else contains
    #: (see :func:`netsafe.casework.views.search_q`).
    search: tuple[str, ...] = ()
    #: Fields the list can be filtered on (choices, dates, booleans).
    filters: tuple[str, ...] = ()
    #: Named states: URL value -> (label, queryset method).
    states: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Foreign keys that a "new" link can fill in (``?subject=12``).
    parents: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    actions: tuple[Action, ...] = ()
    #: Form sections: (legend, fields); empty for one plain form.
    fieldsets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    select_related: tuple[str, ...] = ()
    #: In the navigation (and the API) as a top-level list.
    listed: bool = True
    #: Viewing a record is itself logged (people's records).
    log_views: bool = False
    #: Changed and created through the generic pages and API; False for a ledger
    #: (chain of custody) written only through its own rules and never changed.
    editable: bool = True
    #: The form the pages make for it (with its ``fields``): :class:`~.forms.RecordForm`
    #: or a subclass asking more of the record (questions, confirmations).
    form: type[RecordForm] = RecordForm
    #: The base of its API serializer: :class:`~.serializers.RecordSerializer` or a subclass.
    serializer: type[RecordSerializer] = RecordSerializer
    #: The values a new record's form starts with, from the user creating it.
    initial: Callable[[Any], dict[str, Any]] | None = None
    #: Fills in a new record from the user creating it, before its form is shown.
    prepare: Callable[[models.Model, Any], None] | None = None

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    @property
    def verbose_name(self) -> str:
        """The record type's name in the page's language (see ``_RECORD_NAMES``)."""
        return gettext(str(self.model._meta.verbose_name))

    @property
    def verbose_name_plural(self) -> str:
        """The plural name in the page's language."""
        return gettext(str(self.model._meta.verbose_name_plural))

    def action(self, name: str) -> Action:
        for action in self.actions:
            if action.name == name:
                return action
        raise KeyError(name)


def _officer_in_charge(user) -> dict[str, Any]:
    return {"officer": user.pk}


def _user_name(user) -> str:
    return user.get_full_name() or user.username


def _seized_by(user) -> dict[str, Any]:
    return {"seized_by": _user_name(user)}


def _handed_now(user) -> dict[str, Any]:
    return {
        "handed_by": _user_name(user),
        "at": timezone.localtime().replace(second=0, microsecond=0),
    }


def _assessed_by(record: models.Model, user) -> None:
    record.assessed_by = user  # type: ignore[attr-defined]


def _encounter(model, slug: str) -> RecordType:
    """Arrests and voluntary interviews are recorded alike (an arrest has its time too)."""
    when = ("date", "time") if model is m.Arrest else ("date",)
    return RecordType(
        model,
        slug,
        fields=(
            "ref",
            "subject",
            "warrant",
            *when,
            "offences",
            "disposal",
            "bail_until",
            "notes",
        ),
        columns=("ref", "subject", "date", "offences", "disposal"),
        search=("=ref", "^subject__family_name", "notes"),
        filters=("disposal", "date"),
        parents=("subject", "warrant"),
        select_related=("subject",),
        form=EncounterForm,
        serializer=EncounterSerializer,
    )


RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType(
        m.Referral,
        "referrals",
        initial=_officer_in_charge,
        fields=("ref", "source", "package_ref", "received", "summary", "officer", "status"),
        columns=("ref", "received", "source", "package_ref", "risk", "action_due", "status"),
        search=("=ref", "=package_ref", "^subjects__family_name", "summary"),
        filters=("source", "risk", "status"),
        states={
            "awaiting-assessment": (_("Awaiting assessment"), "awaiting_assessment"),
            "overdue": (_("Overdue"), "overdue"),
            "open": (_("Open"), "open"),
        },
        related=(
            Related(_("Subjects"), "subjects", ("ref", "given_names", "family_name", "born")),
            Related(_("Identifiers"), "identifiers", ("kind", "value", "service", "seen_at")),
            Related(
                _("Risk assessments"), "assessments", ("ref", "assessed_on", "band", "action_due")
            ),
        ),
        actions=(
            Action(_("Assess risk"), url_name="referral-assess", url_args=(1,)),
            Action(_("Add a subject"), creates="subject", parent="referral"),
            Action(_("Add an identifier"), creates="identifier", parent="referral"),
            Action(_("Close the referral"), name="close", fields=("status",), when="is_open"),
        ),
        select_related=("officer",),
    ),
    RecordType(
        m.Subject,
        "subjects",
        fields=(
            "ref",
            "referral",
            "given_names",
            "family_name",
            "date_of_birth",
            "born",
            "postcode_district",
            "notes",
        ),
        columns=("ref", "family_name", "given_names", "born", "postcode_district", "referral"),
        search=(
            "=ref",
            "^family_name",
            "^given_names",
            "=postcode_district",
            "identifiers__normalised",
        ),
        filters=("born", "postcode_district"),
        parents=("referral",),
        related=(
            Related(_("Identifiers"), "identifiers", ("kind", "value", "service", "seen_at")),
            Related(_("Addresses"), "addresses", ("line1", "town", "postcode", "current")),
            Related(_("Warrants"), "warrants", ("ref", "applied", "issued", "executed", "outcome")),
            Related(_("Arrests"), "arrests", ("ref", "date", "offences", "disposal")),
            Related(_("Voluntary interviews"), "voluntaryinterviews", ("ref", "date", "offences")),
            Related(_("Devices"), "devices", ("ref", "exhibit_ref", "kind", "forensic_status")),
            Related(_("Safeguarding"), "safeguarding", ("ref", "date", "children", "status")),
            Related(_("Outcomes"), "outcomes", ("ref", "date", "outcome", "sentence")),
        ),
        actions=(
            Action(_("Apply for a warrant"), creates="warrant", parent="subject"),
            Action(_("Record an arrest"), creates="arrest", parent="subject"),
            Action(
                _("Record a voluntary interview"), creates="voluntaryinterview", parent="subject"
            ),
            Action(_("Seize a device"), creates="device", parent="subject"),
            Action(_("Record safeguarding"), creates="safeguarding", parent="subject"),
            Action(_("Record an outcome"), creates="outcome", parent="subject"),
            Action(_("Add an address"), creates="address", parent="subject"),
            Action(_("Add an identifier"), creates="identifier", parent="subject"),
        ),
        select_related=("referral",),
        log_views=True,
    ),
    RecordType(
        m.RiskAssessment,
        "assessments",
        form=RiskAssessmentForm,
        prepare=_assessed_by,
        fields=(
            "ref",
            "referral",
            "assessed_on",
            *(q.field for s in STEPS for q in s.questions),
            "rationale",
        ),
        columns=("ref", "referral", "assessed_on", "band", "action_due"),
        search=("=ref", "=referral__ref", "rationale"),
        filters=("band",),
        parents=("referral",),
        fieldsets=(
            ("Assessment", ("ref", "referral", "assessed_on")),
            *(
                (
                    format_lazy(
                        _("Step {n} of {total}: {title}"), n=n, total=len(STEPS), title=step.title
                    ),
                    tuple(q.field for q in step.questions),
                )
                for n, step in enumerate(STEPS, 1)
            ),
            ("Rationale", ("rationale",)),
        ),
        select_related=("referral",),
    ),
    RecordType(
        m.Warrant,
        "warrants",
        fields=("ref", "subject", "address", "applied", "issued", "executed", "outcome", "notes"),
        columns=("ref", "subject", "risk_band", "applied", "issued", "executed", "outcome"),
        search=("=ref", "address", "outcome", "^subject__family_name"),
        filters=("applied", "issued", "executed"),
        states={
            "awaiting-issue": (_("Awaiting issue"), "awaiting_issue"),
            "to-execute": (_("To execute"), "to_execute"),
            "executed": (_("Executed"), "executed"),
        },
        parents=("subject",),
        related=(
            Related(_("Arrests"), "arrests", ("ref", "date", "offences", "disposal")),
            Related(
                _("Devices seized"), "devices", ("ref", "exhibit_ref", "kind", "forensic_status")
            ),
            Related(_("Signposting"), "signposting", ("ref", "date", "to")),
        ),
        actions=(
            Action(_("Record the issue"), name="issue", fields=("issued",), when="can_issue"),
            Action(
                _("Record the execution"),
                name="execute",
                fields=("executed", "outcome", "notes"),
                when="can_execute",
            ),
            Action(_("Record an arrest"), creates="arrest", parent="warrant"),
            Action(_("Seize a device"), creates="device", parent="warrant"),
            Action(_("Signpost to Stop it Now!"), creates="signposting", parent="warrant"),
        ),
        select_related=("subject__referral",),
    ),
    _encounter(m.Arrest, "arrests"),
    _encounter(m.VoluntaryInterview, "interviews"),
    RecordType(
        m.Device,
        "devices",
        initial=_seized_by,
        fields=(
            "ref",
            "exhibit_ref",
            "subject",
            "warrant",
            "kind",
            "make",
            "model_name",
            "serial",
            "seized",
            "seized_where",
            "seized_by",
            "forensic_status",
            "notes",
        ),
        columns=(
            "ref",
            "exhibit_ref",
            "kind",
            "make",
            "model_name",
            "seized",
            "risk_band",
            "forensic_status",
        ),
        search=("=ref", "=exhibit_ref", "=serial", "make", "model_name", "^subject__family_name"),
        filters=("kind", "forensic_status", "seized"),
        states={"awaiting-triage": ("Awaiting triage", "awaiting_triage")},
        parents=("subject", "warrant"),
        related=(
            Related(
                _("Chain of custody"),
                "custody",
                (
                    "number",
                    "kind",
                    "at",
                    "handed_by",
                    "received_by",
                    "body_reference",
                    "location",
                    "reason",
                    "corrects",
                ),
            ),
        ),
        actions=(
            Action(
                _("Record the seizure"), url_name="device-custody-seizure", when="needs_seizure"
            ),
            Action(_("Hand over custody"), url_name="device-custody-handover", when="has_custody"),
            Action(
                _("Correct a custody entry"), url_name="device-custody-correct", when="has_custody"
            ),
            Action(_("Update forensic status"), name="status", fields=("forensic_status", "notes")),
        ),
        select_related=("subject__referral",),
    ),
    RecordType(
        m.Safeguarding,
        "safeguarding",
        form=SafeguardingForm,
        fields=(
            "ref",
            "subject",
            "date",
            "children",
            "referred_to",
            "referral_date",
            "agency_outcome",
            "status",
            "notes",
        ),
        columns=("ref", "subject", "date", "children", "referred_to", "status"),
        search=("=ref", "^subject__family_name", "agency_outcome"),
        filters=("referred_to", "status", "date"),
        states={"open": ("Open", "open")},
        parents=("subject",),
        related=(
            Related(_("Children identified"), "child_details", ("age", "relationship", "notes")),
        ),
        actions=(
            Action(_("Add a child's details"), creates="child", parent="safeguarding"),
            Action(
                _("Record the agency's response"),
                name="response",
                fields=("referred_to", "referral_date", "agency_outcome", "status"),
                when="is_open",
            ),
        ),
        select_related=("subject",),
    ),
    RecordType(
        m.Signposting,
        "signposting",
        fields=("ref", "warrant", "to", "date", "notes"),
        columns=("ref", "warrant", "to", "date"),
        search=("=ref", "=warrant__ref", "notes"),
        filters=("to", "date"),
        parents=("warrant",),
        select_related=("warrant",),
    ),
    RecordType(
        m.Outcome,
        "outcomes",
        fields=("ref", "subject", "date", "outcome", "sentence", "notes"),
        columns=("ref", "subject", "date", "outcome", "sentence"),
        search=("=ref", "^subject__family_name", "sentence"),
        filters=("outcome", "date"),
        parents=("subject",),
        select_related=("subject",),
    ),
    # Parts of other records: reached from their parent's page.
    RecordType(
        m.Identifier,
        "identifiers",
        form=IdentifierForm,
        fields=("referral", "subject", "kind", "value", "service", "seen_at"),
        columns=("kind", "value", "service", "seen_at"),
        search=("normalised",),
        filters=("kind",),
        parents=("referral", "subject"),
        listed=False,
    ),
    RecordType(
        m.Address,
        "addresses",
        fields=("subject", "line1", "line2", "town", "postcode", "current"),
        columns=("line1", "town", "postcode", "current"),
        search=("line1", "postcode"),
        parents=("subject",),
        listed=False,
    ),
    RecordType(
        m.CustodyEvent,
        "custody",
        initial=_handed_now,
        fields=(
            "device",
            "number",
            "kind",
            "at",
            "handed_by",
            "received_by",
            "body",
            "body_reference",
            "location",
            "reason",
            "corrects",
        ),
        columns=("device", "number", "kind", "at", "handed_by", "received_by", "location"),
        search=("handed_by", "received_by", "location"),
        parents=("device",),
        listed=False,
        editable=False,
    ),
    RecordType(
        m.Child,
        "children",
        fields=("safeguarding", "age", "relationship", "notes"),
        columns=("safeguarding", "age", "relationship"),
        parents=("safeguarding",),
        listed=False,
    ),
)

_BY_NAME = {rt.name: rt for rt in RECORD_TYPES}


def record_type(name_or_model) -> RecordType:
    """The :class:`RecordType` of a model or model name."""
    name = name_or_model if isinstance(name_or_model, str) else name_or_model._meta.model_name
    return _BY_NAME[name]
