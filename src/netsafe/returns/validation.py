"""Whole-file validation of a return: every problem, each with its line number.

Nothing is stored here. :func:`validate` reads every line, checks each record
against :data:`~netsafe.returns.schema.SPECS`, then checks every reference
against the records of the same file and those already stored, and returns
the parsed records together with every problem found (``LINE: message``).
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from django.utils import timezone

from netsafe.accounts.models import Force
from netsafe.casework import plausibility

from .schema import COMMON, REF_MAX_LENGTH, SPECS, Field

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Key = tuple[str, str, str]  # (type, force slug, ref)

#: Keeps each ``IN (...)`` list well under SQLite's limit on query parameters.
CHUNK = 500

#: Longest line of a return (a record is a few hundred bytes; anything near this is hostile).
MAX_LINE_BYTES = 1024 * 1024
#: Deepest nesting of arrays and objects in one line (a record is one or two levels).
MAX_DEPTH = 20
#: Most digits of a number (a JSON number beyond this loses precision in most readers).
MAX_DIGITS = 15

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
_DIGITS = re.compile(r"\d")


class HostileLine(ValueError):
    """A line that is refused before (or while) its JSON is read: too deep, too long a number."""


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


def read_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The lines of ``stream`` (bytes, without their end), ``None`` for a line over ``limit``.

    A line is read at most ``limit`` bytes at a time, so a hostile file of one
    enormous line never sits in memory whole.
    """
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            # Too long: skip the rest of it, a bounded piece at a time.
            while True:
                rest = stream.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        line = line.removesuffix(b"\n").removesuffix(b"\r")
        yield None if len(line) > limit else line


def validate(content: bytes | str | BinaryIO, *, only_force: str | None = None) -> Checked:
    """Check a whole return (JSON Lines) and list every problem with its line.

    ``content`` is the file's bytes (or text, or an open binary file, read line by
    line). ``only_force`` (a force slug) refuses records of any other force, for a
    supervisor uploading their own force's return.
    """
    if isinstance(content, str):
        content = content.encode("utf-8")
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    checked = Checked()
    forces = set(Force.objects.values_list("slug", flat=True))
    seen: dict[Key, int] = {}
    anything = False
    for number, raw_line in enumerate(read_lines(stream), 1):
        if raw_line is None:
            checked.problems.append(
                Problem(number, f"line longer than {MAX_LINE_BYTES // 1024 // 1024} MB: refused")
            )
            anything = True
            continue
        anything = anything or bool(raw_line.strip())
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
    if not anything:
        checked.problems.append(Problem(1, "the file holds no records"))
    _check_references(checked)
    _check_plausible(checked)
    return checked


def _nesting(line: bytes) -> int:
    """How deeply the arrays and objects of a JSON line nest (brackets in strings ignored)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", line)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _number(text: str, kind: type) -> Any:
    mantissa = re.split(r"[eE]", text, maxsplit=1)[0]
    digits = len(_DIGITS.findall(mantissa))
    if digits > MAX_DIGITS:
        raise HostileLine(f"a number of {digits} digits: at most {MAX_DIGITS} are allowed")
    value = kind(text)
    if kind is float and value in (float("inf"), float("-inf")):
        raise HostileLine(f"the number {text[:40]} is too large")
    return value


def _not_a_number(text: str) -> Any:
    raise HostileLine(f"{text} is not a plain JSON number")


def loads(line: str) -> Any:
    """Parse one line of JSON, refusing deep nesting and long numbers (:class:`HostileLine`)."""
    depth = _nesting(line.encode("utf-8"))
    if depth > MAX_DEPTH:
        raise HostileLine(f"nested {depth} levels deep: at most {MAX_DEPTH} are allowed")
    return json.loads(
        line,
        parse_int=lambda t: _number(t, int),
        parse_float=lambda t: _number(t, float),
        parse_constant=_not_a_number,
    )


def _name(record: Record) -> str:
    return f"{record.type} {record.ref!r} of {record.force}"


def _check_line(
    number: int, raw_line: bytes | str, forces: set[str], only_force: str | None, checked: Checked
) -> Record | None:
    """The record of one line, or None with the line's problems added to ``checked``: the
    line as a JSON object, its type, then its force, its ref and each field of its type."""
    data, error = _json_object(raw_line)
    if data is None:
        if error:
            checked.problems.append(Problem(number, error))
        return None  # blank lines (a trailing newline) carry nothing
    spec, error = _spec_of(data)
    if spec is None:
        checked.problems.append(Problem(number, error))
        return None
    kind, force, ref = data["type"], data.get("force"), data.get("ref")
    label = f"{kind} {ref!r}" if isinstance(ref, str) and ref else kind
    values, field_errors = _field_values(spec.fields, spec.required, data, label)
    errors = [
        e for e in (_force_error(kind, force, forces, only_force), _ref_error(kind, ref)) if e
    ] + field_errors
    if errors:
        checked.problems.extend(Problem(number, e) for e in errors)
        if isinstance(force, str) and isinstance(ref, str):
            checked.broken.add((kind, force, ref))
        return None
    raw = {k: v for k, v in data.items() if k not in COMMON}
    return Record(number, kind, force, ref, raw, values)


def _json_object(raw_line: bytes | str) -> tuple[dict | None, str]:
    """The line's JSON object, or None and why not (no reason for a blank line)."""
    if isinstance(raw_line, bytes):
        try:
            raw_line = raw_line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"not UTF-8 text (byte {exc.start + 1})"
    if not raw_line.strip():
        return None, ""
    try:
        data = loads(raw_line)
    except json.JSONDecodeError as exc:
        return None, f"bad JSON: {exc.msg} at column {exc.colno}"
    except HostileLine as exc:
        return None, f"refused: {exc}"
    if not isinstance(data, dict):
        return None, f"a record is a JSON object, not {type(data).__name__}"
    return data, ""


def _spec_of(data: dict) -> tuple[Any, str]:
    """The record type's spec, or None and why not."""
    kind = data.get("type")
    spec = SPECS.get(kind) if isinstance(kind, str) else None
    if spec is not None:
        return spec, ""
    if kind is None:
        return None, "missing required field 'type'"
    return None, f"unknown type {kind!r}: one of {', '.join(SPECS)}"


def _force_error(kind: str, force: Any, forces: set[str], only_force: str | None) -> str:
    """What is wrong with the record's force (empty when nothing)."""
    if force is None:
        return f"{kind}: missing required field 'force'"
    if not isinstance(force, str) or force not in forces:
        return f"{kind}: unknown force {force!r}: one of {', '.join(sorted(forces))}"
    if only_force is not None and force != only_force:
        return (
            f"{kind}: force {force!r} is not yours ({only_force}): upload your own force's return"
        )
    return ""


def _ref_error(kind: str, ref: Any) -> str:
    """What is wrong with the record's ref (empty when nothing)."""
    if ref is None or ref == "":
        return f"{kind}: missing required field 'ref'"
    if not isinstance(ref, str) or len(ref) > REF_MAX_LENGTH or ref != ref.strip():
        return f"{kind}: ref must be text of 1 to {REF_MAX_LENGTH} characters, not {ref!r}"
    return ""


def _field_values(
    fields: Iterable[Field], required: Iterable[Field], data: dict, label: str
) -> tuple[dict[str, Any], list[str]]:
    """The parsed values of the type's fields present in ``data``, and what is wrong with
    any (missing when required, or not parsed)."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for f in fields:
        value = data.get(f.name)
        if value is None:
            if f in required:
                errors.append(f"{label}: missing required field {f.name!r}")
            continue
        parsed, error = _parse(f, value)
        if error:
            errors.append(f"{label}: {f.name} {error}")
        else:
            values[f.name] = parsed
    return values, errors


def _parse(f: Field, value: Any) -> tuple[Any, str]:
    """The parsed value of ``f``, or an error saying what was wrong."""
    parser = _PARSERS.get(f.kind)
    if parser is None:
        raise ValueError(f"field kind {f.kind!r} of {f.name} has no parser")
    return parser(f, value)


def _parse_date(f: Field, value: Any) -> tuple[Any, str]:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None, f"must be a date as YYYY-MM-DD, not {value!r}"
    try:
        return date.fromisoformat(value), ""
    except ValueError:
        return None, f"is not a real date: {value!r}"


def _parse_choice(f: Field, value: Any) -> tuple[Any, str]:
    if value not in f.choices:
        return None, f"must be one of {', '.join(f.choices)}, not {value!r}"
    return value, ""


def _parse_codes(f: Field, value: Any) -> tuple[Any, str]:
    if not isinstance(value, list):
        return None, f"must be a list of codes ({', '.join(f.choices)}), not {value!r}"
    unknown = [c for c in value if c not in f.choices]
    if unknown:
        return None, f"has unknown code(s) {unknown!r}: one of {', '.join(f.choices)}"
    return value, ""


def _parse_year(f: Field, value: Any) -> tuple[Any, str]:
    # The range is a plausibility rule (checked with the others, once the line is read).
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"must be a year as a whole number, not {value!r}"
    return value, ""


def _parse_count(f: Field, value: Any) -> tuple[Any, str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"must be a whole number, not {value!r}"
    return value, ""


def _parse_text(f: Field, value: Any) -> tuple[Any, str]:
    if not isinstance(value, str) or len(value) > f.max_length:
        return None, f"must be text of at most {f.max_length} characters, not {value!r}"
    return value, ""


def _parse_ref(f: Field, value: Any) -> tuple[Any, str]:
    if not isinstance(value, str) or not value or len(value) > REF_MAX_LENGTH:
        return None, f"must be a ref (text of 1 to {REF_MAX_LENGTH} characters), not {value!r}"
    return value, ""


#: How each kind of field (:class:`~netsafe.returns.schema.Field` ``kind``) is read.
_PARSERS = {
    "date": _parse_date,
    "choice": _parse_choice,
    "codes": _parse_codes,
    "year": _parse_year,
    "count": _parse_count,
    "text": _parse_text,
    "ref": _parse_ref,
}


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


def _stored_warrants(keys: set[tuple[str, str]]) -> dict[tuple[str, str], date | None]:
    """(force, ref) -> executed date of the stored warrants among ``keys``."""
    found: dict[tuple[str, str], date | None] = {}
    by_force: dict[str, set[str]] = defaultdict(set)
    for force, ref in keys:
        by_force[force].add(ref)
    for force, refs in by_force.items():
        for batch in chunks(sorted(refs)):
            rows = SPECS["warrant"].model.objects.filter(force__slug=force, ref__in=batch)
            for ref, executed in rows.values_list("ref", "executed"):
                found[(force, ref)] = executed
    return found


def _first_charges(checked: Checked, subjects: set[tuple[str, str]]) -> dict[tuple[str, str], date]:
    """(force, subject ref) -> earliest charge, of the file and of those stored it keeps."""
    first: dict[tuple[str, str], date] = {}

    def note(key: tuple[str, str], on: date) -> None:
        if key not in first or on < first[key]:
            first[key] = on

    in_file = {r.key for r in checked.records if r.type == "outcome"}
    for record in checked.records:
        if record.type == "outcome" and record.values.get("outcome") == "charged":
            note((record.force, record.values["subject_ref"]), record.values["date"])
    by_force: dict[str, set[str]] = defaultdict(set)
    for force, ref in subjects:
        by_force[force].add(ref)
    for force, refs in by_force.items():
        for batch in chunks(sorted(refs)):
            rows = (
                SPECS["outcome"]
                .model.objects.filter(force__slug=force, subject__ref__in=batch, outcome="charged")
                .values_list("ref", "subject__ref", "date")
            )
            for ref, subject_ref, on in rows:
                # A stored outcome the file sends again is judged as the file has it.
                if ("outcome", force, ref) not in in_file:
                    note((force, subject_ref), on)
    return first


def _check_plausible(checked: Checked, on: date | None = None) -> None:
    """The plausibility rules of :mod:`netsafe.casework.plausibility`, line by line."""
    on = on or timezone.localdate()
    in_file = {r.key: r for r in checked.records}
    wanted = {
        (r.force, r.values["warrant_ref"])
        for r in checked.records
        if "warrant_ref" in r.values
        and ("warrant", r.force, r.values["warrant_ref"]) not in in_file
    }
    stored_warrants = _stored_warrants(wanted) if wanted else {}
    convicted = {
        (r.force, r.values["subject_ref"])
        for r in checked.records
        if r.type == "outcome" and r.values.get("outcome") == "convicted"
    }
    charges = _first_charges(checked, convicted) if convicted else {}
    for record in checked.records:
        spec = SPECS[record.type]
        names = {f.attr: f.name for f in spec.fields}
        values = {f.attr: record.values.get(f.name) for f in spec.fields if f.kind != "ref"}
        facts: dict[str, Any] = {}
        warrant_ref = record.values.get("warrant_ref")
        if warrant_ref is not None:
            key = ("warrant", record.force, warrant_ref)
            if key in in_file:
                executed = in_file[key].values.get("executed")
                facts["warrant"] = plausibility.WarrantFacts(warrant_ref, executed)
            elif (record.force, warrant_ref) in stored_warrants:
                executed = stored_warrants[(record.force, warrant_ref)]
                facts["warrant"] = plausibility.WarrantFacts(warrant_ref, executed)
        if record.type == "outcome":
            facts["first_charged"] = charges.get((record.force, record.values["subject_ref"]))
        kind = spec.model._meta.model_name
        for finding in plausibility.check(kind, values, on=on, **facts):
            checked.problems.append(
                Problem(
                    record.line,
                    f"{record.type} {record.ref!r}: {names.get(finding.field, finding.field)} "
                    f"{finding.message}",
                )
            )
