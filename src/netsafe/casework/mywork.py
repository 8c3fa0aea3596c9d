""" "My work": what each role should do next, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from netsafe.accounts.roles import Role

from . import access, figures
from . import models as m
from .querysets import ReferralQuerySet, today
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


def _section(
    title: str,
    model,
    qs: QuerySet,
    state: str,
    empty: str,
    *,
    scope: object,
    day: date,
    by_band: bool = True,
) -> Section:
    """The first rows of ``qs`` most urgent first, and how many there are in all.

    ``qs`` is the records of ``state`` on ``day`` that ``scope`` (the user's
    :func:`~.access.read_scope`) reads. With ``by_band`` false the rows are taken in
    ``qs``'s own order, for records that are all of one risk band.
    """
    rt = record_type(model)
    url = reverse(f"casework:{rt.name}-list")
    urgent = by_band and hasattr(qs, "most_urgent")
    # Counted without the ordering's joins (and kept a few seconds, as the home page's
    # figures); none counted, none to read.
    total = figures.shown_count(qs.order_by(), key=f"{state}:{scope}:{day}")
    if not total:
        rows = []
    elif urgent:
        rows = qs.most_urgent(SHOWN, total=total)
    else:
        rows = list(qs[:SHOWN])
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
    referrals = m.Referral.objects.visible_to(user).select_related("force")
    warrants = m.Warrant.objects.visible_to(user).select_related("force", "subject__referral")
    devices = m.Device.objects.visible_to(user).select_related("force", "subject__referral")
    safeguarding = m.Safeguarding.objects.visible_to(user).select_related("force", "subject")
    out: list[Section] = []
    scope = access.read_scope(user)
    day = today()  # one day for the records and the key their count is kept under
    officer_like = user.has_role(Role.OFFICER, Role.SUPERVISOR, Role.OPERATION_LEAD)
    if officer_like:
        out.append(
            _section(
                _("Overdue actions"),
                m.Referral,
                referrals.overdue(on=day),
                "overdue",
                _("Nothing is overdue."),
                scope=scope,
                day=day,
            )
        )
        # None has a band yet: the order within the unassessed band is the whole order,
        # one query instead of one for each band.
        out.append(
            _section(
                _("Referrals awaiting assessment"),
                m.Referral,
                referrals.awaiting_assessment().order_by(*ReferralQuerySet.WITHIN_BAND),
                "awaiting-assessment",
                _("Every referral has been assessed."),
                scope=scope,
                day=day,
                by_band=False,
            )
        )
        out.append(
            _section(
                _("Warrants to execute"),
                m.Warrant,
                warrants.to_execute(),
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
                devices.awaiting_triage(),
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
                safeguarding.open().order_by("date", "id"),
                "open",
                _("No safeguarding referral is open."),
                scope=scope,
                day=day,
            )
        )
    return out
