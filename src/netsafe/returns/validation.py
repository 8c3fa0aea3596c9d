"""Whole-file validation of a return: every problem, each with its line number.

Nothing is stored here. :func:`validate` reads every line, checks each record
against :data:`~netsafe.returns.schema.SPECS`, then checks every reference
against the records of the same file and those already stored, and returns
the parsed records together with every problem found (``LINE: message``).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from netsafe.accounts.models import Force

from .schema import COMMON, REF_MAX_LENGTH, SPECS, Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Key = tuple[str, str, str]  # (type, force slug, ref)

#: Keeps each ``IN (...)`` list well under SQLite's limit on query parameters.
CHUNK = 500


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


@dataclass
class Record:
    """A record that passed the checks of its own line."""

    line: int
    type: str
    force: str
    ref: str
    #: The record as sent (unknown fields included), for faithful export.
    raw: dict[str, Any]
    #: Parsed values of the contract's fields, by field name (absent optional: not there).
    values: dict[str, Any]

    @property
    def key(self) -> Key:
        return (self.type, self.force, self.ref)


@dataclass
class Checked:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Records of the file that have a problem of their own (not reported again as
    #: missing when another record refers to them).
    broken: set[Key] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> list[str]:
        """Every problem as ``LINE: message``, in line order."""
        return [str(p) for p in sorted(self.problems, key=lambda p: p.line)]


def validate(content: bytes | str, *, only_force: str | None = None) -> Checked:
    """Check a whole return (JSON Lines) and list every problem with its line.

    ``only_force`` (a force slug) refuses records of any other force, for a
    supervisor uploading their own force's return.
    """
    checked = Checked()
    lines = content.splitlines() if content else []
    forces = set(Force.objects.values_list("slug", flat=True))
    seen: dict[Key, int] = {}
    for number, raw_line in enumerate(lines, 1):
        record = _check_line(number, raw_line, forces, only_force, checked)
        if record is None:
            continue
        if record.key in seen:
            checked.problems.append(
                Problem(
                    number,
                    f"{_name(record)} appears twice in this file (first on line "
                    f"{seen[record.key]}): one record per force, type and ref",
                )
            )
            continue
        seen[record.key] = number
        checked.records.append(record)
    if not any(line.strip() for line in lines):
        checked.problems.append(Problem(1, "the file holds no records"))
    _check_references(checked)
    return checked


def _name(record: Record) -> str:
    return f"{record.type} {record.ref!r} of {record.force}"


def _check_line(
    number: int, raw_line: bytes | str, forces: set[str], only_force: str | None, checked: Checked
) -> Record | None:
    def fail(message: str) -> None:
        checked.problems.append(Problem(number, message))

    if isinstance(raw_line, bytes):
        try:
            raw_line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            fail(f"not UTF-8 text (byte {exc.start + 1})")
            return None
    if not raw_line.strip():
        return None  # blank lines (a trailing newline) carry nothing
    try:
        data = json.loads(raw_line)
    except json.JSONDecodeError as exc:
        fail(f"bad JSON: {exc.msg} at column {exc.colno}")
        return None
    if not isinstance(data, dict):
        fail(f"a record is a JSON object, not {type(data).__name__}")
        return None
    kind = data.get("type")
    spec = SPECS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        if kind is None:
            fail("missing required field 'type'")
        else:
            fail(f"unknown type {kind!r}: one of {', '.join(SPECS)}")
        return None
    ok = True
    force = data.get("force")
    if force is None:
        fail(f"{kind}: missing required field 'force'")
        ok = False
    elif not isinstance(force, str) or force not in forces:
        fail(f"{kind}: unknown force {force!r}: one of {', '.join(sorted(forces))}")
        ok = False
    elif only_force is not None and force != only_force:
        fail(f"{kind}: force {force!r} is not yours ({only_force}): upload your own force's return")
        ok = False
    ref = data.get("ref")
    if ref is None or ref == "":
        fail(f"{kind}: missing required field 'ref'")
        ok = False
    elif not isinstance(ref, str) or len(ref) > REF_MAX_LENGTH or ref != ref.strip():
        fail(f"{kind}: ref must be text of 1 to {REF_MAX_LENGTH} characters, not {ref!r}")
        ok = False
    label = f"{kind} {ref!r}" if isinstance(ref, str) and ref else kind
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = data.get(f.name)
        if value is None:
            if f in spec.required:
                fail(f"{label}: missing required field {f.name!r}")
                ok = False
            continue
        parsed, error = _parse(f, value)
        if error:
            fail(f"{label}: {f.name} {error}")
            ok = False
        else:
            values[f.name] = parsed
    if not ok:
        if isinstance(force, str) and isinstance(ref, str):
            checked.broken.add((kind, force, ref))
        return None
    raw = {k: v for k, v in data.items() if k not in COMMON}
    return Record(number, kind, force, ref, raw, values)


def _parse(f: Field, value: Any) -> tuple[Any, str]:
    """The parsed value of ``f``, or an error saying what was wrong."""
    if f.kind == "date":
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            return None, f"must be a date as YYYY-MM-DD, not {value!r}"
        try:
            return date.fromisoformat(value), ""
        except ValueError:
            return None, f"is not a real date: {value!r}"
    if f.kind == "choice":
        if value not in f.choices:
            return None, f"must be one of {', '.join(f.choices)}, not {value!r}"
        return value, ""
    if f.kind == "codes":
        if not isinstance(value, list):
            return None, f"must be a list of codes ({', '.join(f.choices)}), not {value!r}"
        unknown = [c for c in value if c not in f.choices]
        if unknown:
            return None, f"has unknown code(s) {unknown!r}: one of {', '.join(f.choices)}"
        return value, ""
    if f.kind == "year":
        this_year = timezone.localdate().year
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= this_year:
            return None, f"must be a year from 1900 to {this_year}, not {value!r}"
        return value, ""
    if f.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
            return None, f"must be a whole number from 0, not {value!r}"
        return value, ""
    if f.kind == "text":
        if not isinstance(value, str) or len(value) > f.max_length:
            return None, f"must be text of at most {f.max_length} characters, not {value!r}"
        return value, ""
    if f.kind == "ref":
        if not isinstance(value, str) or not value or len(value) > REF_MAX_LENGTH:
            return None, f"must be a ref (text of 1 to {REF_MAX_LENGTH} characters), not {value!r}"
        return value, ""
    raise ValueError(f"field kind {f.kind!r} of {f.name} has no parser")


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size``."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stored_refs(target: str, force: str, refs: set[str]) -> dict[str, Any]:
    """Which of ``refs`` are stored for ``force`` as ``target`` records: ref -> subject ref.

    The subject ref is given for warrants (to check that a record's warrant is
    for the same subject) and None for other types.
    """
    model = SPECS[target].model
    found: dict[str, Any] = {}
    for batch in chunks(sorted(refs)):
        qs = model.objects.filter(force__slug=force, ref__in=batch)
        if target == "warrant":
            found.update(qs.values_list("ref", "subject__ref"))
        else:
            found.update(dict.fromkeys(qs.values_list("ref", flat=True)))
    return found


def _check_references(checked: Checked) -> None:
    in_file = {r.key: r for r in checked.records}
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in checked.records:
        for f in SPECS[record.type].references:
            ref = record.values.get(f.name)
            if ref is not None and (f.target, record.force, ref) not in in_file:
                wanted[(f.target, record.force)].add(ref)
    stored = {
        (target, force): stored_refs(target, force, refs)
        for (target, force), refs in wanted.items()
    }

    def warrant_subject(force: str, ref: str) -> str | None:
        record = in_file.get(("warrant", force, ref))
        if record is not None:
            return record.values["subject_ref"]
        return stored.get(("warrant", force), {}).get(ref)

    for record in checked.records:
        spec = SPECS[record.type]
        dangling = False
        for f in spec.references:
            ref = record.values.get(f.name)
            target_key = (f.target, record.force, ref)
            if ref is None or target_key in in_file or target_key in checked.broken:
                continue
            if ref not in stored.get((f.target, record.force), {}):
                checked.problems.append(
                    Problem(
                        record.line,
                        f"{record.type} {record.ref!r}: {f.name} {ref!r} is not a {f.target} "
                        f"of {record.force} in this file or already stored",
                    )
                )
                dangling = True
        warrant, subject = record.values.get("warrant_ref"), record.values.get("subject_ref")
        if dangling or warrant is None or subject is None:
            continue
        warrant_for = warrant_subject(record.force, warrant)
        if warrant_for is not None and warrant_for != subject:
            checked.problems.append(
                Problem(
                    record.line,
                    f"{record.type} {record.ref!r}: warrant {warrant!r} is for subject "
                    f"{warrant_for!r}, not {subject!r}",
                )
            )
