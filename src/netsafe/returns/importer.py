"""Storing a valid return: all or nothing, create or replace by force + ref, idempotent."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction

from netsafe.accounts.models import Force
from netsafe.audit import record as audit_record
from netsafe.audit.context import audit_context
from netsafe.casework import risk, services

from .models import ReturnImport, ReturnRecord
from .schema import SPECS
from .validation import Checked, Key, Problem, Record, chunks, validate

#: Says how to confirm the replacement of records entered on the pages.
CONFIRM_HINT = "confirm the replacement on the upload page, or import with --replace-on-screen"


class _Undo(Exception):
    """Rolls the import's transaction back (a preview, or a record it may not replace)."""


class _Hashing:
    """A binary stream that hashes what is read from it, line by line."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def readline(self, limit: int = -1) -> bytes:
        data = self.stream.readline(limit)
        self.sha256.update(data)
        return data


@dataclass
class ImportResult:
    file_name: str
    checked: Checked
    #: ``{type: {"added": n, "replaced": n, "unchanged": n}}`` (types in the file only).
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    stored: ReturnImport | None = None
    #: Records entered on the pages that the return replaces: (line, type, ref).
    on_screen: list[tuple[int, str, str]] = field(default_factory=list)
    #: A preview: what the import would do, with nothing stored.
    preview: bool = False
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.checked.ok

    def summary(self) -> list[str]:
        """One line per type: how many records were added, replaced or unchanged."""
        return [
            f"{kind}: {c['added']} added, {c['replaced']} replaced, {c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        ]


def import_return(
    content: bytes | str | BinaryIO,
    file_name: str,
    *,
    user=None,
    only_force: str | None = None,
    replace_on_screen: bool = False,
    preview: bool = False,
) -> ImportResult:
    """Validate the whole of ``content``; if it is clean, store it in one transaction.

    ``content`` is the return's bytes (or text, or a binary file read line by
    line). A file with any problem stores nothing (``result.ok`` is False and
    ``result.checked.report()`` lists the problems). Otherwise each record
    creates or replaces the casework record of its force, type and ref, a
    record identical to the stored one is left alone, and the import is written
    to the audit log with its counts (inside the caller's audit context).

    A record entered on the pages (one no return has sent) is replaced only with
    ``replace_on_screen``; otherwise its line is refused, saying so, and nothing
    is stored. ``preview`` does the whole import and rolls it back: the result
    says what would be added, replaced and refused.
    """
    if isinstance(content, str):
        content = content.encode("utf-8")
    stream = _Hashing(io.BytesIO(content) if isinstance(content, bytes) else content)
    checked = validate(stream, only_force=only_force)
    result = ImportResult(file_name, checked, preview=preview, sha256=stream.sha256.hexdigest())
    if not checked.ok:
        return result
    try:
        with audit_context(reason=f"operation return {file_name}"), transaction.atomic():
            stored = ReturnImport.objects.create(
                file_name=file_name[:255],
                sha256=result.sha256,
                imported_by=user if getattr(user, "is_authenticated", False) else None,
            )
            result.counts, result.on_screen = _apply(checked.records, stored)
            if result.on_screen and not replace_on_screen:
                for line, kind, ref in result.on_screen:
                    checked.problems.append(
                        Problem(
                            line,
                            f"{kind} {ref!r} was entered on screen and this return would "
                            f"replace it: {CONFIRM_HINT}",
                        )
                    )
                raise _Undo
            stored.counts = result.counts
            stored.save(update_fields=["counts"])
            audit_record(
                "returns import",
                stored,
                changes={kind: [None, c] for kind, c in result.counts.items()},
                detail=f"{file_name} sha256 {stored.sha256}: " + "; ".join(result.summary()),
            )
            if preview:
                raise _Undo
    except _Undo:
        return result
    result.stored = stored
    return result


def _apply(
    records: list[Record], stored: ReturnImport
) -> tuple[dict[str, dict[str, int]], list[tuple[int, str, str]]]:
    """Store ``records``; return the counts by type and the records entered on screen replaced."""
    forces = {f.slug: f for f in Force.objects.filter(slug__in={r.force for r in records})}
    objects = _load_objects(records)
    kept = _load_return_records(records)
    by_type: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        by_type[rec.type].append(rec)
    counts: dict[str, dict[str, int]] = {}
    on_screen: list[tuple[int, str, str]] = []
    for kind, spec in SPECS.items():
        if kind not in by_type:
            continue
        tally = counts[kind] = {"added": 0, "replaced": 0, "unchanged": 0}
        for rec in by_type[kind]:
            obj = objects.get(rec.key)
            values = _model_values(rec, objects, obj)
            if obj is None:
                obj = spec.model(force=forces[rec.force], ref=rec.ref, **values)
                services.save(obj)
                objects[rec.key] = obj
                tally["added"] += 1
            elif _differs(obj, values):
                if rec.key not in kept:
                    # No return sent it: an officer typed it on the pages.
                    on_screen.append((rec.line, rec.type, rec.ref))
                for attr, value in values.items():
                    setattr(obj, attr, value)
                services.save(obj)
                tally["replaced"] += 1
            else:
                tally["unchanged"] += 1
                if _keep_raw(rec, kept, forces, stored):
                    # Same casework values, but an unknown field changed.
                    tally["unchanged"] -= 1
                    tally["replaced"] += 1
                continue
            _keep_raw(rec, kept, forces, stored)
    return counts, on_screen


def _model_values(rec: Record, objects: dict[Key, Any], stored=None) -> dict[str, Any]:
    """Model attribute -> value for a record (absent optional fields cleared).

    ``stored`` is the casework record it replaces, if any.
    """
    spec = SPECS[rec.type]
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = rec.values.get(f.name)
        if f.kind == "ref":
            values[f.attr] = None if value is None else objects[(f.target, rec.force, value)]
        else:
            values[f.attr] = f.empty if value is None else value
    # Values the casework keeps that a return gives only implicitly.
    if rec.type == "referral":
        band = values["risk"]
        if stored is not None and stored.risk == band and stored.action_due is not None:
            # The same band: keep the due date of the force's own risk assessment.
            values["action_due"] = stored.action_due
        else:
            values["action_due"] = risk.action_due(band, values["received"]) if band else None
    elif rec.type == "subject":
        # As the subject model saves them: the year from a known date of birth, the
        # district in capitals.
        values["postcode_district"] = values["postcode_district"].strip().upper()
        if stored is not None and stored.date_of_birth is not None:
            values["born"] = stored.date_of_birth.year
    elif rec.type == "device" and values["subject"] is None and values["warrant"] is not None:
        values["subject"] = values["warrant"].subject  # as the device model does on save
    elif rec.type == "signposting":
        # Stop it Now! details are given at the door: the day the warrant was executed.
        warrant = values["warrant"]
        values["date"] = warrant.executed or warrant.issued
    return values


def _differs(obj, values: dict[str, Any]) -> bool:
    for attr, value in values.items():
        field = obj._meta.get_field(attr)
        if field.is_relation:
            if getattr(obj, field.attname) != (value.pk if value is not None else None):
                return True
        elif getattr(obj, attr) != value:
            return True
    return False


def _keep_raw(rec: Record, kept: dict[Key, ReturnRecord], forces, stored: ReturnImport) -> bool:
    """Keep the record as sent; True when a field the casework does not hold changed."""
    row = kept.get(rec.key)
    if row is None:
        kept[rec.key] = ReturnRecord.objects.create(
            force=forces[rec.force], type=rec.type, ref=rec.ref, data=rec.raw, last_import=stored
        )
        return False
    if row.data == rec.raw:
        return False
    contract = {f.name for f in SPECS[rec.type].fields}
    unknown_changed = _unknown(row.data, contract) != _unknown(rec.raw, contract)
    row.data, row.last_import = rec.raw, stored
    row.save(update_fields=["data", "last_import"])
    return unknown_changed


def _unknown(data: dict[str, Any], contract: set[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in contract}


def _load_objects(records: list[Record]) -> dict[Key, Any]:
    """The stored casework records the file names (its own keys and its references)."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rec in records:
        wanted[(rec.type, rec.force)].add(rec.ref)
        for f in SPECS[rec.type].references:
            if f.name in rec.values:
                wanted[(f.target, rec.force)].add(rec.values[f.name])
    objects: dict[Key, Any] = {}
    for (kind, force), refs in wanted.items():
        for batch in chunks(sorted(refs)):
            for obj in SPECS[kind].model.objects.filter(force__slug=force, ref__in=batch):
                objects[(kind, force, obj.ref)] = obj
    return objects


def _load_return_records(records: list[Record]) -> dict[Key, ReturnRecord]:
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rec in records:
        wanted[(rec.type, rec.force)].add(rec.ref)
    kept: dict[Key, ReturnRecord] = {}
    for (kind, force), refs in wanted.items():
        for batch in chunks(sorted(refs)):
            rows = ReturnRecord.objects.filter(force__slug=force, type=kind, ref__in=batch)
            for row in rows:
                kept[(kind, force, row.ref)] = row
    return kept
