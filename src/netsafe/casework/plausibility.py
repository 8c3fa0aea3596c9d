"""What a casework record may plausibly say: one set of rules for the pages, the API and returns.

The operation's figures go to the press and to court, so a record that cannot
be true (a referral received in 2030, a subject born in 1700, an arrest before
its warrant was executed, 5,000 children in one safeguarding record) is
refused wherever it comes from. The rules are those of the contract
(``shared/contracts/returns.md``, "Plausibility") and the custody, bail and
outcome rules of the casework.

Every rule here works on plain values: the models call :func:`check` from
``clean()`` (so forms and the API serializers, which run the model's
validation, refuse the same records), and the returns validator calls it on
each line, with the facts of other records (a warrant's execution, a subject's
charge) taken from the same file or from those already stored. Each
:class:`Finding` names the model field it is about and says what is wrong
without the field's name, so a page can put it next to the field and a return
can prefix it with the contract's field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

#: No record of the operation is dated before this (the contract's floor).
EARLIEST = date(1990, 1, 1)
#: The first year of birth a subject may have.
BORN_EARLIEST = 1900
#: A subject is at least this many years old in the year the record is made.
YOUNGEST_SUBJECT = 10
#: Most children one safeguarding record may count (more is several records).
CHILDREN_MAX = 30
#: More than this many children in one record is rare: on the pages it needs a
#: supervisor's confirmation.
CHILDREN_CONFIRM = 10

#: Dates (and times) of each kind of record that cannot be after the day the record
#: is made nor before :data:`EARLIEST`. Future dates by nature (a bail date, an action
#: due date) are not here.
RECORDED_DATES: dict[str, tuple[str, ...]] = {
    "referral": ("received",),
    "riskassessment": ("assessed_on",),
    "warrant": ("applied", "issued", "executed"),
    "arrest": ("date",),
    "voluntaryinterview": ("date",),
    "device": ("seized",),
    "custodyevent": ("at",),
    "safeguarding": ("date", "referral_date"),
    "outcome": ("date",),
    "signposting": ("date",),
    "identifier": ("seen_at",),
}

#: The date of each kind of record that a linked warrant's execution bounds.
AFTER_WARRANT = {"arrest": "date", "voluntaryinterview": "date", "device": "seized"}


@dataclass(frozen=True)
class Finding:
    """Why the value of ``field`` (a model field name) is implausible."""

    field: str
    message: str


@dataclass(frozen=True)
class WarrantFacts:
    """What the rules need to know of a warrant a record is linked to."""

    ref: str
    executed: date | None


def today() -> date:
    """The day a record is made, in the operation's time zone."""
    return timezone.localdate()


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def recorded_date(value: date | datetime | None, on: date) -> str:
    """Empty when ``value`` is from 1990 to ``on`` (the day of recording), else why not."""
    if value is None:
        return ""
    day = _as_date(value)
    if day > on:
        return f"must be today ({on.isoformat()}) or earlier, not {day.isoformat()}"
    if day < EARLIEST:
        return f"must be in {EARLIEST.year} or later, not {day.isoformat()}"
    return ""


def born_year(year: int | None, on: date) -> str:
    """Empty when ``year`` is from 1900 to ten years before ``on``'s year, else why not."""
    if year is None:
        return ""
    latest = on.year - YOUNGEST_SUBJECT
    if not BORN_EARLIEST <= year <= latest:
        return f"must be a year from {BORN_EARLIEST} to {latest}, not {year}"
    return ""


def children(count: int | None) -> str:
    """Empty when ``count`` is a whole number from 1 to :data:`CHILDREN_MAX`, else why not."""
    if count is None:
        return ""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= CHILDREN_MAX:
        why = f"must be a whole number from 1 to {CHILDREN_MAX}, not {count!r}"
        if isinstance(count, int) and count > CHILDREN_MAX:
            why += " (a real case with more children is recorded as several records)"
        return why
    return ""


def needs_confirmation(count: int | None) -> bool:
    """True when a page must ask a supervisor to confirm ``count`` children."""
    return isinstance(count, int) and CHILDREN_CONFIRM < count <= CHILDREN_MAX


def _warrant_findings(kind: str, values: Mapping[str, Any], warrant: WarrantFacts) -> list[Finding]:
    if warrant.executed is None:
        return [
            Finding("warrant", f"{warrant.ref} has not been executed: record its execution first")
        ]
    name = AFTER_WARRANT[kind]
    on = values.get(name)
    if on is not None and _as_date(on) < warrant.executed:
        return [
            Finding(
                name,
                f"must be on or after the day warrant {warrant.ref} was executed "
                f"({warrant.executed.isoformat()}), not {_as_date(on).isoformat()}",
            )
        ]
    return []


def check(
    kind: str,
    values: Mapping[str, Any],
    *,
    on: date | None = None,
    warrant: WarrantFacts | None = None,
    first_charged: date | None = None,
) -> list[Finding]:
    """Every implausible value of a record of ``kind`` (a model name such as ``arrest``).

    ``values`` maps model field names to values (absent or ``None``: not given).
    ``on`` is the day the record is made (today by default). ``warrant`` is the
    warrant the record is linked to, if any; ``first_charged`` the date of the
    subject's earliest ``charged`` outcome, if it has one.
    """
    on = on or today()
    found: list[Finding] = []
    for name in RECORDED_DATES.get(kind, ()):
        message = recorded_date(values.get(name), on)
        if message:
            found.append(Finding(name, message))
    if kind == "subject":
        birth = values.get("date_of_birth")
        year = birth.year if isinstance(birth, date) else values.get("born")
        message = born_year(year, on)
        if message:
            found.append(Finding("date_of_birth" if birth else "born", message))
        elif isinstance(birth, date) and birth > on:
            found.append(Finding("date_of_birth", f"must be in the past, not {birth.isoformat()}"))
    elif kind == "warrant":
        issued, executed = values.get("issued"), values.get("executed")
        if executed is not None and issued is None:
            found.append(
                Finding("issued", "must be given: a warrant is issued before it is executed")
            )
        elif executed is not None and executed < issued:
            found.append(
                Finding(
                    "executed",
                    f"must be on or after the day it was issued ({issued.isoformat()}), "
                    f"not {executed.isoformat()}",
                )
            )
        applied = values.get("applied")
        if applied is not None and issued is not None and issued < applied:
            found.append(
                Finding(
                    "issued",
                    f"must be on or after the day it was applied for ({applied.isoformat()}), "
                    f"not {issued.isoformat()}",
                )
            )
    elif kind in ("arrest", "voluntaryinterview"):
        day, at = values.get("date"), values.get("time")
        if day == on and at is not None and at > timezone.localtime().time():
            found.append(Finding("time", f"must be now or earlier, not {at:%H:%M} today"))
        found += _bail_findings(values, "arrest" if kind == "arrest" else "interview")
    elif kind == "safeguarding":
        message = children(values.get("children"))
        if message:
            found.append(Finding("children", message))
    elif kind == "outcome":
        day = values.get("date")
        if (
            values.get("outcome") == "convicted"
            and first_charged is not None
            and day is not None
            and day < first_charged
        ):
            found.append(
                Finding(
                    "date",
                    f"must be on or after the subject was charged ({first_charged.isoformat()}), "
                    f"not {day.isoformat()}",
                )
            )
    if warrant is not None and kind in AFTER_WARRANT:
        found += _warrant_findings(kind, values, warrant)
    return found


def _bail_findings(values: Mapping[str, Any], what: str) -> list[Finding]:
    disposal, day, until = values.get("disposal"), values.get("date"), values.get("bail_until")
    if until is not None and disposal != "bail":
        return [Finding("bail_until", "is only for someone bailed")]
    if disposal == "bail" and until is None:
        return [Finding("bail_until", "must be given for someone bailed")]
    if disposal == "bail" and day is not None and until <= day:
        return [
            Finding(
                "bail_until",
                f"must be after the day of the {what} ({day.isoformat()}), not {until.isoformat()}",
            )
        ]
    return []
