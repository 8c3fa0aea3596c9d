"""The only way between police code and the charity's data is the aggregate interface."""

from __future__ import annotations

import ast
from pathlib import Path

import netsafe
from netsafe.prevention import aggregates

SRC = Path(netsafe.__file__).resolve().parent
PREVENTION = SRC / "prevention"
#: What police-side code may import from prevention: the public names of the aggregate
#: interface, the demo loader and the charity's staff's start page.
ALLOWED_FROM_OUTSIDE = {
    "netsafe.prevention",
    "netsafe.prevention.aggregates",
    *(f"netsafe.prevention.aggregates.{name}" for name in aggregates.__all__),
    "netsafe.prevention.demo",
    "netsafe.prevention.demo.load",
    "netsafe.prevention.demo.DEMO_USERS",
    # Where the charity's staff start after signing in: a URL, never the helpline's data.
    "netsafe.prevention.landing",
    "netsafe.prevention.landing.start_page",
}
#: Police-side areas the prevention code must never import.
POLICE_SIDE = ("netsafe.casework", "netsafe.audit", "netsafe.triage", "netsafe.stats")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_police_side_code_reads_prevention_only_through_the_aggregates():
    offenders = {}
    for path in SRC.rglob("*.py"):
        if PREVENTION in path.parents:
            continue
        bad = {
            name
            for name in imports_of(path)
            if name.startswith("netsafe.prevention") and name not in ALLOWED_FROM_OUTSIDE
        }
        if bad:
            offenders[str(path.relative_to(SRC))] = sorted(bad)
    assert offenders == {}


def test_the_aggregate_interface_exports_no_uncontrolled_count():
    public = {name for name in dir(aggregates) if not name.startswith("_")}
    assert "true_count" not in public
    assert set(aggregates.__all__) <= public


def test_prevention_code_imports_nothing_of_the_police_side():
    offenders = {}
    for path in PREVENTION.rglob("*.py"):
        bad = sorted(n for n in imports_of(path) if n.startswith(POLICE_SIDE))
        if bad:
            offenders[str(path.relative_to(SRC))] = bad
    assert offenders == {}
    assert len(list(PREVENTION.rglob("*.py"))) > 10
