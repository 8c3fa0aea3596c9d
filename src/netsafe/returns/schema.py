"""The record types of a return and how each maps onto a casework model.

One :class:`RecordSpec` per ``type`` of ``shared/contracts/returns.md``: its
required and optional fields, what each field must hold, and the casework
model and attribute it fills. Validation, import and export are all driven by
:data:`SPECS`, so the contract is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from netsafe.casework import models as m
from netsafe.casework.choices import (
    DeviceKind,
    Offence,
    OutcomeKind,
    ReferredTo,
    RiskBand,
    SignpostedTo,
    Source,
)


@dataclass(frozen=True)
class Field:
    """One field of a record.

    ``kind`` is ``date`` (ISO 8601 ``YYYY-MM-DD``), ``choice`` (one of
    ``choices``), ``codes`` (a list of ``choices``), ``year``, ``count`` (a
    whole number from 0), ``text`` (at most ``max_length`` characters) or
    ``ref`` (the ``ref`` of a record of type ``target`` of the same force).
    """

    name: str
    kind: str
    attr: str
    choices: tuple[str, ...] = ()
    target: str = ""
    max_length: int = 0

    @property
    def empty(self) -> Any:
        """The model value of the field when the record leaves it out."""
        if self.kind == "codes":
            return []
        if self.kind in {"text", "choice"}:
            return ""
        return None


def _date(name: str, attr: str = "") -> Field:
    return Field(name, "date", attr or name)


def _choice(name: str, choices: type[models.TextChoices]) -> Field:
    return Field(name, "choice", name, choices=tuple(choices.values))


def _ref(name: str, target: str) -> Field:
    return Field(name, "ref", name.removesuffix("_ref"), target=target)


@dataclass(frozen=True)
class RecordSpec:
    type: str
    model: type[m.CaseRecord]
    required: tuple[Field, ...]
    optional: tuple[Field, ...] = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.required + self.optional

    @property
    def references(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind == "ref")


#: In dependency order: a record only refers to types listed before it.
SPECS: dict[str, RecordSpec] = {
    spec.type: spec
    for spec in (
        RecordSpec(
            "referral",
            m.Referral,
            required=(_date("received"), _choice("source", Source)),
            optional=(_choice("risk", RiskBand),),
        ),
        RecordSpec(
            "subject",
            m.Subject,
            required=(_ref("referral_ref", "referral"),),
            optional=(
                Field("born", "year", "born"),
                Field("postcode_district", "text", "postcode_district", max_length=4),
            ),
        ),
        RecordSpec(
            "warrant",
            m.Warrant,
            required=(_ref("subject_ref", "subject"), _date("issued")),
            optional=(_date("executed"), Field("outcome", "text", "outcome", max_length=200)),
        ),
        RecordSpec(
            "arrest",
            m.Arrest,
            required=(_ref("subject_ref", "subject"), _date("date")),
            optional=(
                _ref("warrant_ref", "warrant"),
                Field("offences", "codes", "offences", choices=tuple(Offence.values)),
            ),
        ),
        RecordSpec(
            "voluntary_interview",
            m.VoluntaryInterview,
            required=(_ref("subject_ref", "subject"), _date("date")),
            optional=(_ref("warrant_ref", "warrant"),),
        ),
        RecordSpec(
            "device",
            m.Device,
            required=(_date("seized"), _choice("kind", DeviceKind)),
            optional=(_ref("warrant_ref", "warrant"), _ref("subject_ref", "subject")),
        ),
        RecordSpec(
            "safeguarding",
            m.Safeguarding,
            required=(
                _ref("subject_ref", "subject"),
                _date("date"),
                Field("children", "count", "children"),
            ),
            optional=(_choice("referred_to", ReferredTo),),
        ),
        RecordSpec(
            "outcome",
            m.Outcome,
            required=(
                _ref("subject_ref", "subject"),
                _date("date"),
                _choice("outcome", OutcomeKind),
            ),
        ),
        RecordSpec(
            "signposting",
            m.Signposting,
            required=(_ref("warrant_ref", "warrant"), _choice("to", SignpostedTo)),
        ),
    )
}

#: The fields every record has, whatever its type.
COMMON = ("type", "force", "ref")
#: Longest ``ref`` the casework models hold.
REF_MAX_LENGTH = m.Referral._meta.get_field("ref").max_length
