"""Writing a force's records out as a return that ``returns import`` takes back unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from netsafe.accounts.models import Force

from .models import ReturnRecord
from .schema import SPECS


@dataclass
class ExportResult:
    #: Records written, by type.
    written: dict[str, int] = field(default_factory=dict)
    #: Records left out because a required field is not known yet, as "type ref: why".
    left_out: list[str] = field(default_factory=list)


def export_force(force: Force, out: TextIO) -> ExportResult:
    """Write every record of ``force`` to ``out`` as JSON Lines, referenced records first.

    Contract fields come from the casework records (so changes made on the
    pages are exported); unknown fields a force sent are given back as they
    were received. A record whose required field is still empty (a warrant
    applied for but not issued) cannot be a valid return line: it is left out
    and named in the result, and so are records that need it.
    """
    result = ExportResult()
    extras = {
        (row.type, row.ref): row.data
        for row in ReturnRecord.objects.filter(force=force).only("type", "ref", "data")
    }
    exported: dict[str, dict[int, str]] = {}  # type -> pk -> ref, for references
    for kind, spec in SPECS.items():
        refs = exported[kind] = {}
        columns = [f"{f.attr}_id" if f.kind == "ref" else f.attr for f in spec.fields]
        rows = spec.model.objects.filter(force=force).order_by("pk").values("pk", "ref", *columns)
        written = 0
        for row in rows:
            line, why = _line(kind, force.slug, row, exported)
            if line is None:
                result.left_out.append(f"{kind} {row['ref']}: {why}")
                continue
            sent = extras.get((kind, row["ref"]), {})
            contract = {f.name for f in spec.fields}
            line.update({k: v for k, v in sent.items() if k not in contract and k not in line})
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            refs[row["pk"]] = row["ref"]
            written += 1
        result.written[kind] = written
    return result


def _line(
    kind: str, force: str, row: dict[str, Any], exported: dict[str, dict[int, str]]
) -> tuple[dict[str, Any] | None, str]:
    spec = SPECS[kind]
    line: dict[str, Any] = {"type": kind, "force": force, "ref": row["ref"]}
    for f in spec.fields:
        if f.kind == "ref":
            pk = row[f"{f.attr}_id"]
            value = None if pk is None else exported[f.target].get(pk)
            if pk is not None and value is None and f in spec.required:
                return None, f"its {f.target} is not in the return"
        else:
            value = row[f.attr]
        if value in (None, "", []):
            if f in spec.required:
                return None, f"no {f.name} yet"
            continue
        line[f.name] = value.isoformat() if isinstance(value, date) else value
    return line, ""
