"""Casework querysets: the access rules of :mod:`.access` applied to records, and
the named states of a case (``overdue``, ``awaiting_triage``, ``executed`` ...).

Every page, API endpoint and form choice goes through :meth:`visible_to` or
:meth:`editable_by`, so a record of another force is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from netsafe.accounts.permissions import READ, allowed

from .access import ALL_FORCES, force_id_of, read_scope
from .choices import BAND_RANK, ForensicStatus, ReferralStatus, SafeguardingStatus


def today() -> date:
    """Today's date in the operation's time zone."""
    return timezone.localdate()


def band_rank(path: str) -> Case:
    """An expression ranking the risk band at ``path`` (0 = very high; unassessed last)."""
    return Case(
        *(When(**{path: band}, then=Value(rank)) for band, rank in BAND_RANK.items()),
        default=Value(len(BAND_RANK)),
        output_field=IntegerField(),
    )


class CaseQuerySet(models.QuerySet):
    """Access rules shared by every casework model (each has a ``force``)."""

    def visible_to(self, user) -> CaseQuerySet:
        """The records ``user`` may read (their :func:`~.access.read_scope`)."""
        return self.visible_in(read_scope(user))

    def visible_in(self, scope: int | str | None) -> CaseQuerySet:
        """The records of a :func:`~.access.read_scope`: a force's id, every force, or none."""
        if scope == ALL_FORCES:
            return self.all()
        if scope is None:
            return self.none()
        return self.filter(force_id=scope)

    def editable_by(self, user) -> CaseQuerySet:
        """The records ``user`` may create, change or delete."""
        force_id = force_id_of(user)
        if force_id is None:
            return self.none()
        return self.filter(force_id=force_id)

    def of_force(self, force) -> CaseQuerySet:
        """Records of one force (a :class:`Force` or None for every force)."""
        return self if force is None else self.filter(force=force)


class RiskOrderedQuerySet(CaseQuerySet):
    """Records that take their urgency from the risk band of a referral."""

    #: Path to the risk band, and the order within a band.
    RISK_PATH = "risk"
    WITHIN_BAND: tuple[str, ...] = ("id",)

    def by_risk(self):
        """Most urgent band first (unassessed last), then in order within the band."""
        return self.alias(rank=band_rank(self.RISK_PATH)).order_by("rank", *self.WITHIN_BAND)

    #: Up to this many records, sorting them all by rank is one quick query; past it, the
    #: indexed query per band is quicker (500 warrants to execute, sorted through their
    #: subjects' referrals: 16 ms on SQLite, against under 1 ms for the bands).
    SORT_ALL_UP_TO = 50

    def in_band(self, band: str):
        """The records of risk ``band`` ("" for not assessed yet), in order within it."""
        if band:
            found = self.filter(**{self.RISK_PATH: band})
        else:
            found = self.filter(
                Q(**{self.RISK_PATH: ""}) | Q(**{f"{self.RISK_PATH}__isnull": True})
            )
        return found.order_by(*self.WITHIN_BAND)

    def most_urgent(self, n: int, total: int | None = None) -> list:
        """The first ``n`` of :meth:`by_risk` (see :func:`most_urgent`)."""
        return most_urgent(
            n,
            total,
            by_risk=lambda: list(self.by_risk()[:n]),
            in_band=lambda band, k: list(self.in_band(band)[:k]),
        )


#: Risk bands in order of urgency, then "" for records not assessed yet.
BANDS = (*BAND_RANK, "")


def most_urgent(
    n: int,
    total: int | None,
    *,
    by_risk: Callable[[], list],
    in_band: Callable[[str, int], list],
) -> list:
    """The ``n`` most urgent records: ``by_risk()`` or the bands' ``in_band(band, k)``.

    Sorting every record by a computed rank is slow on a large operation; taking each
    band in turn (:data:`BANDS`) stops as soon as ``n`` are found. When the caller has
    counted the records (``total``) and they are few
    (:attr:`RiskOrderedQuerySet.SORT_ALL_UP_TO`), one query sorting them all
    (``by_risk``) replaces one query per band, most of them finding nothing.
    """
    if total is not None and total <= RiskOrderedQuerySet.SORT_ALL_UP_TO:
        return by_risk() if total else []
    found: list = []
    for band in BANDS:
        if len(found) >= n:
            break
        found.extend(in_band(band, n - len(found)))
    return found


class ReferralQuerySet(RiskOrderedQuerySet):
    """Referrals: open, awaiting assessment, overdue."""

    WITHIN_BAND = ("action_due", "received", "id")

    def open(self):
        """Referrals not closed."""
        return self.filter(status=ReferralStatus.OPEN)

    def awaiting_assessment(self):
        """Open referrals that have no risk band yet."""
        return self.open().filter(risk="")

    def overdue(self, on: date | None = None):
        """Open referrals whose action date has passed without action."""
        return self.open().filter(action_due__lt=on or today(), actioned__isnull=True)


class WarrantQuerySet(RiskOrderedQuerySet):
    """Warrants: awaiting issue, to execute, executed."""

    RISK_PATH = "subject__referral__risk"
    WITHIN_BAND = ("issued", "id")

    def executed(self, as_at: date | None = None):
        """Warrants executed (on or before ``as_at`` when given)."""
        qs = self.filter(executed__isnull=False)
        return qs if as_at is None else qs.filter(executed__lte=as_at)

    def to_execute(self):
        """Issued and not yet executed."""
        return self.filter(issued__isnull=False, executed__isnull=True)

    def awaiting_issue(self):
        """Applied for and not yet issued."""
        return self.filter(applied__isnull=False, issued__isnull=True, executed__isnull=True)


class DeviceQuerySet(RiskOrderedQuerySet):
    """Devices: awaiting triage, seized by a date."""

    RISK_PATH = "subject__referral__risk"
    WITHIN_BAND = ("seized", "id")

    def awaiting_triage(self):
        """Seized devices no examiner has triaged yet."""
        return self.filter(forensic_status=ForensicStatus.AWAITING_TRIAGE)

    def seized(self, as_at: date | None = None):
        """Devices seized (on or before ``as_at`` when given)."""
        return self if as_at is None else self.filter(seized__lte=as_at)


class SafeguardingQuerySet(CaseQuerySet):
    """Safeguarding referrals: open."""

    def open(self):
        """Safeguarding referrals not closed."""
        return self.filter(status=SafeguardingStatus.OPEN)


class AlertQuerySet(CaseQuerySet):
    """Deconfliction alerts go to supervisors of the receiving force only."""

    def visible_to(self, user):
        """The alerts of ``user``'s force when the gate lets them read alerts."""
        if not allowed(user, READ, "alerts"):
            return self.none()
        return self.filter(force_id=force_id_of(user))

    editable_by = visible_to

    def unacknowledged(self):
        """Alerts no supervisor has marked as dealt with."""
        return self.filter(acknowledged_at__isnull=True)
