""" "My work": what each role should do next, most urgent first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from netsafe.accounts.roles import Role
from netsafe.web.rows import Statement

from . import access, figures
from . import models as m
from .querysets import ReferralQuerySet, most_urgent, today
from .registry import RecordType, record_type

#: Rows shown per section; the full list is one link away.
SHOWN = 10


@dataclass
class Section:
    """One list of "My work": its first rows, how many in all, and where the rest are."""

    title: str
    rt: RecordType
    rows: list
    total: int
    more_url: str
    empty: str


def _referrals(scope):
    return m.Referral.objects.visible_in(scope).select_related("force")


def _warrants(scope):
    return m.Warrant.objects.visible_in(scope).select_related("force", "subject__referral")


def _devices(scope):
    return m.Device.objects.visible_in(scope).select_related("force", "subject__referral")


def _safeguarding(scope):
    return m.Safeguarding.objects.visible_in(scope).select_related("force", "subject")


#: The records each section lists, by state: records(scope, day) for a read scope
#: (:func:`~.access.read_scope`) on a day.
_RECORDS: dict[str, Callable[[object, date], QuerySet]] = {
    "overdue": lambda scope, day: _referrals(scope).overdue(on=day),
    # None has a band yet: the order within the unassessed band is the whole order,
    # one query instead of one for each band.
    "awaiting-assessment": lambda scope, day: (
        _referrals(scope).awaiting_assessment().order_by(*ReferralQuerySet.WITHIN_BAND)
    ),
    "to-execute": lambda scope, day: _warrants(scope).to_execute(),
    "awaiting-triage": lambda scope, day: _devices(scope).awaiting_triage(),
    "open": lambda scope, day: _safeguarding(scope).open().order_by("date", "id"),
}
#: Sections whose records are all of one risk band, taken in their own order.
_ONE_BAND = frozenset({"awaiting-assessment", "open"})

# Each section's rows by statements compiled once per state, scope and day: building
# and compiling the section's queries took longer than the database's answers.
_FIRST = Statement(lambda state, scope, day: _RECORDS[state](scope, day)[:SHOWN], keys=3)
_BY_RISK = Statement(
    lambda state, scope, day: _RECORDS[state](scope, day).by_risk()[:SHOWN], keys=3
)
_IN_BAND = Statement(
    lambda state, scope, day, band, n: _RECORDS[state](scope, day).in_band(band)[:n], keys=5
)


def _section(title: str, model, state: str, empty: str, *, scope: object, day: date) -> Section:
    """The first rows of ``state``'s records most urgent first, and how many in all.

    The records are those of ``state`` on ``day`` that ``scope`` (the user's
    :func:`~.access.read_scope`) reads.
    """
    rt = record_type(model)
    url = reverse(f"casework:{rt.name}-list")
    # Counted without the ordering's joins (and kept a few seconds, as the home page's
    # figures); none counted, none to read.
    total = figures.shown_count(
        lambda: _RECORDS[state](scope, day).order_by(),
        key=f"{model._meta.label_lower}:{state}:{scope}:{day}",
    )
    if not total:
        rows = []
    elif state in _ONE_BAND:
        rows = _FIRST(state, scope, day)
    else:
        rows = most_urgent(
            SHOWN,
            total,
            by_risk=lambda: _BY_RISK(state, scope, day),
            in_band=lambda band, n: _IN_BAND(state, scope, day, band, n),
        )
    return Section(
        title=title,
        rt=rt,
        rows=rows,
        total=total,
        more_url=f"{url}?state={state}" if state else url,
        empty=empty,
    )


def sections(user) -> list[Section]:
    """The sections of "My work" for ``user``'s roles, in the order to work on them."""
    out: list[Section] = []
    scope = access.read_scope(user)
    day = today()  # one day for the records and the key their count is kept under
    if user.has_role(Role.OFFICER, Role.SUPERVISOR, Role.OPERATION_LEAD):
        out.append(
            _section(
                _("Overdue actions"),
                m.Referral,
                "overdue",
                _("Nothing is overdue."),
                scope=scope,
                day=day,
            )
        )
        out.append(
            _section(
                _("Referrals awaiting assessment"),
                m.Referral,
                "awaiting-assessment",
                _("Every referral has been assessed."),
                scope=scope,
                day=day,
            )
        )
        out.append(
            _section(
                _("Warrants to execute"),
                m.Warrant,
                "to-execute",
                _("No issued warrant is waiting."),
                scope=scope,
                day=day,
            )
        )
    if user.has_role(Role.EXAMINER, Role.SUPERVISOR, Role.OPERATION_LEAD):
        out.append(
            _section(
                _("Devices awaiting triage"),
                m.Device,
                "awaiting-triage",
                _("No device is waiting for triage."),
                scope=scope,
                day=day,
            )
        )
    if user.has_role(Role.SAFEGUARDING, Role.SUPERVISOR, Role.OFFICER, Role.OPERATION_LEAD):
        out.append(
            _section(
                _("Open safeguarding referrals"),
                m.Safeguarding,
                "open",
                _("No safeguarding referral is open."),
                scope=scope,
                day=day,
            )
        )
    return out
