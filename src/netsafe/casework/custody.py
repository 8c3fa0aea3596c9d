"""A device's chain of custody, kept as an append-only ledger.

Entry one is the seizure. Each later entry is a hand-over from the current
holder (whoever received the device last) to a named user of the force or a
named outside body with its reference, at a time after the entry before. A
mistake is put right by a correction: a new entry that points at the entry it
corrects and says what it should have said; the entry corrected stays as it
was. The pages, the API and the demo write entries only through these
functions, so the rules hold once; the model itself refuses any change or
deletion of an entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import plausibility
from .models import CustodyEvent, CustodyKind, Device


@dataclass(frozen=True)
class Receiver:
    """Who receives a device: a user of the force, or an outside body with its reference."""

    user: object | None = None
    body: str = ""
    reference: str = ""

    @property
    def label(self) -> str:
        if self.user is not None:
            name = self.user.get_full_name() or self.user.username
            return f"{name} ({self.user.username})"
        return f"{self.body} (ref. {self.reference})"


def user_label(user) -> str:
    """How a user is named in the ledger: full name and user name."""
    return Receiver(user=user).label


def effective(device: Device) -> list[CustodyEvent]:
    """The ledger as it stands: each entry replaced by its latest correction, in order."""
    entries = list(device.custody.order_by("number"))
    latest: dict[int, CustodyEvent] = {}
    for entry in entries:
        if entry.corrects_id is not None:
            latest[_original(entry, entries).pk] = entry
    return [latest.get(e.pk, e) for e in entries if e.corrects_id is None]


def _original(entry: CustodyEvent, entries: list[CustodyEvent]) -> CustodyEvent:
    by_pk = {e.pk: e for e in entries}
    while entry.corrects_id is not None:
        entry = by_pk[entry.corrects_id]
    return entry


def holder(device: Device) -> CustodyEvent | None:
    """The entry that gave the device to its current holder (None before the seizure)."""
    chain = effective(device)
    return chain[-1] if chain else None


def _check_time(device: Device, at: datetime, after: datetime | None, before: datetime | None):
    problem = plausibility.recorded_date(at, plausibility.today())
    if problem:
        raise ValidationError({"at": f"When {problem}."})
    if timezone.localdate(at) < device.seized:
        raise ValidationError(
            {"at": f"When must be on or after the day the device was seized ({device.seized})."}
        )
    if after is not None and at <= after:
        raise ValidationError(
            {
                "at": "When must be after the entry before it "
                f"({timezone.localtime(after):%d/%m/%Y %H:%M})."
            }
        )
    if before is not None and at >= before:
        raise ValidationError(
            {
                "at": "When must be before the entry after it "
                f"({timezone.localtime(before):%d/%m/%Y %H:%M})."
            }
        )


def _check_receiver(device: Device, receiver: Receiver) -> None:
    if receiver.user is not None:
        if receiver.body or receiver.reference:
            raise ValidationError({"body": "Give a user or an outside body, not both."})
        if receiver.user.force_id != device.force_id or not receiver.user.is_active:
            raise ValidationError({"receiver": "Choose an active user of your force."})
        return
    if not receiver.body.strip():
        raise ValidationError(
            {"receiver": "Choose the user who receives the device, or name the outside body."}
        )
    if not receiver.reference.strip():
        raise ValidationError({"body_reference": "Enter the outside body's reference."})


def _next_number(device: Device) -> int:
    last = device.custody.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _lock(device: Device) -> Device:
    # Two officers recording at once must not both hand over from the same holder.
    return Device.objects.select_for_update().get(pk=device.pk)


def record_seizure(
    device: Device, *, at: datetime, by, location: str, recorded_by=None
) -> CustodyEvent:
    """Entry one: the device seized by ``by`` (a user of the force) at ``location``."""
    with transaction.atomic():
        device = _lock(device)
        if device.custody.exists():
            raise ValidationError("The seizure is already recorded: it is entry one.")
        receiver = Receiver(user=by)
        _check_receiver(device, receiver)
        _check_time(device, at, None, None)
        if not location.strip():
            raise ValidationError({"location": "Enter where the device was seized."})
        return CustodyEvent.objects.create(
            device=device,
            force_id=device.force_id,
            number=1,
            kind=CustodyKind.SEIZURE,
            at=at,
            received_by=receiver.label,
            receiver=by,
            location=location.strip(),
            reason="Seized",
            recorded_by=recorded_by,
        )


def hand_over(
    device: Device,
    *,
    at: datetime,
    to: Receiver,
    location: str,
    reason: str = "",
    recorded_by=None,
) -> CustodyEvent:
    """A hand-over from the current holder to ``to``, after the last entry."""
    with transaction.atomic():
        device = _lock(device)
        current = holder(device)
        if current is None:
            raise ValidationError("Record the seizure first: it is entry one of the chain.")
        _check_receiver(device, to)
        if to.label == current.received_by or (
            to.user is not None and to.user.pk == current.receiver_id
        ):
            raise ValidationError(
                {
                    "receiver": f"{current.received_by} already holds the device: choose who "
                    "receives it."
                }
            )
        _check_time(device, at, current.at, None)
        if not location.strip():
            raise ValidationError({"location": "Enter where the device was handed over."})
        return CustodyEvent.objects.create(
            device=device,
            force_id=device.force_id,
            number=_next_number(device),
            kind=CustodyKind.HANDOVER,
            at=at,
            handed_by=current.received_by,
            received_by=to.label,
            receiver=to.user,
            body=to.body.strip(),
            body_reference=to.reference.strip(),
            location=location.strip(),
            reason=reason.strip(),
            recorded_by=recorded_by,
        )


def correct(
    entry: CustodyEvent,
    *,
    at: datetime,
    to: Receiver,
    location: str,
    reason: str,
    recorded_by=None,
) -> CustodyEvent:
    """A new entry saying what ``entry`` should have said; ``entry`` itself stays."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the entry is corrected."})
    with transaction.atomic():
        device = _lock(entry.device)
        entries = list(device.custody.order_by("number"))
        original = _original(entry, entries)
        originals = [e.pk for e in entries if e.corrects_id is None]
        position = originals.index(original.pk)
        chain = effective(device)
        before = chain[position - 1] if position else None
        after = chain[position + 1] if position + 1 < len(chain) else None
        _check_receiver(device, to)
        if before is not None and (
            to.label == before.received_by
            or (to.user is not None and to.user.pk == before.receiver_id)
        ):
            raise ValidationError(
                {"receiver": f"{before.received_by} handed it over: choose who received it."}
            )
        _check_time(device, at, before.at if before else None, after.at if after else None)
        if not location.strip():
            raise ValidationError({"location": "Enter where."})
        return CustodyEvent.objects.create(
            device=device,
            force_id=device.force_id,
            number=_next_number(device),
            kind=CustodyKind.CORRECTION,
            at=at,
            handed_by=before.received_by if before else "",
            received_by=to.label,
            receiver=to.user,
            body=to.body.strip(),
            body_reference=to.reference.strip(),
            location=location.strip(),
            reason=reason.strip(),
            corrects=original,
            recorded_by=recorded_by,
        )


#: The kinds of entry the pages and the API add: the seizure, a hand-over, a correction.
MODES = ("seizure", "handover", "correct")


def add_entry(
    device: Device, mode: str, data: Mapping, *, to: Receiver, recorded_by=None
) -> CustodyEvent:
    """One new entry of ``mode`` (see :data:`MODES`), under the ledger's rules.

    What the page and the API call, so that both go through the same rules.
    ``data`` holds ``at``, ``location`` and, as the entry needs them, ``reason``
    and ``corrects`` (the entry of ``device`` a correction corrects); ``to`` is
    who receives the device (for a seizure, the user who seized it).
    """
    at, location, reason = data["at"], data["location"], data.get("reason", "")
    corrects = data.get("corrects")
    if mode == "seizure":
        if to.user is None:
            raise ValidationError({"receiver": "Choose the officer who seized the device."})
        return record_seizure(device, at=at, by=to.user, location=location, recorded_by=recorded_by)
    if mode == "handover":
        return hand_over(
            device, at=at, to=to, location=location, reason=reason, recorded_by=recorded_by
        )
    if mode == "correct":
        if corrects is None or corrects.device_id != device.pk:
            raise ValidationError({"corrects": "Choose the entry of this device to correct."})
        return correct(
            corrects, at=at, to=to, location=location, reason=reason, recorded_by=recorded_by
        )
    raise ValueError(f"unknown custody entry {mode!r}: one of {', '.join(MODES)}")
