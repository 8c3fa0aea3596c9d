"""Disclosure control: small counts suppressed, rounding to 5, and no differencing.

The differencing tests attack the published tables with a linear programme
(scipy's ``linprog``), written independently of the interval reasoning in
:mod:`netsafe.stats.disclosure`: for every suppressed cell, the smallest and
largest true value consistent with everything published must still be 1 and 9.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from netsafe.stats.disclosure import (
    COMPLEMENTARY,
    SUPPRESSED,
    control,
    exposure,
    is_safe,
    percent,
    protect,
    public,
)

BIG = 10**7  # "no upper bound" for the attacker's programme


def test_control_suppresses_1_to_9_and_rounds_the_rest_to_5():
    assert control(0) == 0
    assert [control(n) for n in range(1, 10)] == [SUPPRESSED] * 9
    assert [control(n) for n in (10, 12, 13, 17, 18, 486, 2047)] == [10, 10, 15, 15, 20, 485, 2045]
    with pytest.raises(ValueError, match="negative"):
        control(-1)
    with pytest.raises(TypeError):
        control(3.5)


def test_percentages_are_never_computed_from_a_suppressed_cell():
    assert percent(SUPPRESSED, 100) is None
    assert percent(50, SUPPRESSED) is None
    assert percent(COMPLEMENTARY, 100) is None
    assert percent(5, 0) is None
    assert percent(25, 100) == 25


def attacker_range(published: dict, total) -> dict:
    """min and max of each "<10" cell over every true table consistent with what is shown.

    ``published``: {table name: {key: published value}}; every table adds up to
    one true total. Variables: each cell of each table, then the total.
    """
    cells = [(name, key) for name, table in published.items() for key in table]
    n = len(cells) + 1

    def span(value, is_total=False):
        if value == SUPPRESSED:
            return (1, 9)
        if value == COMPLEMENTARY:
            return (0, BIG)
        if value == 0:
            return (0, 0)
        return (max(value - 2, 10), value + 2)

    var_bounds = [span(published[name][key]) for name, key in cells] + [span(total, True)]
    equalities = []
    for name in published:
        row = np.zeros(n)
        for i, (table, _) in enumerate(cells):
            if table == name:
                row[i] = 1
        row[-1] = -1
        equalities.append(row)
    a_eq, b_eq = np.array(equalities), np.zeros(len(equalities))
    ranges = {}
    for i, (name, key) in enumerate(cells):
        if published[name][key] != SUPPRESSED:
            continue
        c = np.zeros(n)
        c[i] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=var_bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=var_bounds, method="highs")
        assert low.status == 0
        assert high.status == 0
        ranges[(name, key)] = (round(low.fun), round(-high.fun))
    return ranges


def naive(tables: dict, total: int):
    return {name: {k: control(v) for k, v in t.items()} for name, t in tables.items()}, control(
        total
    )


def test_a_small_cell_beside_its_total_is_recoverable_without_protection_and_not_with_it():
    # Three months of 10 and one of 3: shown as 10, 10, 10, <10 with a total of 35,
    # the small month is at most 37 - 30 = 7: narrowed.
    tables = {"by_month": {"2016-11": 10, "2016-12": 10, "2017-01": 10, "2017-02": 3}}
    ranges = attacker_range(*naive(tables, 33))
    assert ranges[("by_month", "2017-02")] == (1, 7)
    published, total = protect(tables, 33)
    assert attacker_range(published, total)[("by_month", "2017-02")] == (1, 9)
    assert list(published["by_month"].values()).count(COMPLEMENTARY) == 1

    # One force with 1 arrest and one with 10: total 11 -> shown 10 = the other
    # force's 10 exactly, so without protection the small cell is 1 at most... or more.
    tables = {"by_force": {"gwent": 1, "south-wales": 10, "dyfed-powys": 0, "north-wales": 0}}
    assert attacker_range(*naive(tables, 11))[("by_force", "gwent")] == (1, 2)
    published, total = protect(tables, 11)
    assert attacker_range(published, total)[("by_force", "gwent")] == (1, 9)


def random_operation(rng: random.Random) -> tuple[dict, int]:
    """A force x month table of one measure, mostly small numbers (the hard case)."""
    forces = ["south-wales", "gwent", "dyfed-powys", "north-wales"]
    months = [f"2017-{m:02d}" for m in range(1, rng.randint(2, 13))]
    scale = rng.choice([0, 1, 3, 8, 20, 60])
    grid = {
        (f, mo): max(0, int(rng.gauss(scale, scale / 2 + 1))) if rng.random() > 0.2 else 0
        for f in forces
        for mo in months
    }
    tables = {
        "by_force": {f: sum(grid[(f, mo)] for mo in months) for f in forces},
        "by_month": {mo: sum(grid[(f, mo)] for f in forces) for mo in months},
    }
    return tables, sum(grid.values())


def test_no_count_from_1_to_9_can_be_recovered_by_force_or_by_month_against_the_total():
    rng = random.Random(20161101)
    unsafe_before = 0
    for _ in range(100):
        tables, total = random_operation(rng)
        unsafe_before += not all(
            lo <= 1 and hi >= 9 for lo, hi in attacker_range(*naive(tables, total)).values()
        )
        published, public_total = protect(tables, total)
        for name, table in published.items():
            for key, value in table.items():
                true = tables[name][key]
                assert value not in range(1, 10)
                if value == SUPPRESSED:
                    assert 1 <= true <= 9
                elif value != COMPLEMENTARY:
                    assert value == control(true)
        assert public_total in (COMPLEMENTARY, control(total))
        ranges = attacker_range(published, public_total)
        assert all(lo <= 1 and hi >= 9 for lo, hi in ranges.values()), (tables, published)
        # The module's own reasoning agrees with the attacker's programme.
        assert is_safe(exposure(published, public_total))
    # The random tables do include ones that plain rounding would have given away.
    assert unsafe_before >= 10


def test_public_stats_carry_no_count_from_1_to_9_anywhere():
    stats = {
        "operation": "NetSafe",
        "launched": "2016-11-01",
        "as_at": "2017-03-31",
        "totals": {"warrants_executed": 33, "people_arrested": 21},
        "by_force": {
            "gwent": {"warrants_executed": 3, "people_arrested": 1},
            "south-wales": {"warrants_executed": 30, "people_arrested": 20},
        },
        "by_month": [
            {"month": "2016-11", "warrants_executed": 10},
            {"month": "2016-12", "warrants_executed": 10},
            {"month": "2017-01", "warrants_executed": 10},
            {"month": "2017-02", "warrants_executed": 3},
            {"month": "2017-03", "warrants_executed": 0},
        ],
        "help_seeking": {
            "region": "wales",
            "after": 1350,
            "before": None,
            "change": None,
            "after_period": ["2016-11-01", "2017-10-31"],
            "before_period": ["2015-11-01", "2016-10-31"],
        },
    }
    out = public(stats)

    def numbers(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from numbers(v)
        elif isinstance(value, list):
            for v in value:
                yield from numbers(v)
        elif isinstance(value, int):
            yield value

    counts = [
        *numbers(out["totals"]),
        *numbers(out["by_force"]),
        *numbers([{k: v for k, v in r.items() if k != "month"} for r in out["by_month"]]),
        out["help_seeking"]["after"],
    ]
    assert counts
    assert not [n for n in counts if 1 <= n <= 9]
    assert all(n % 5 == 0 for n in counts)
    assert out["by_force"]["gwent"]["warrants_executed"] == SUPPRESSED
    assert out["help_seeking"]["before"] == SUPPRESSED
    assert out["help_seeking"]["change"] is None
    tables = {
        "by_force": {s: r["warrants_executed"] for s, r in out["by_force"].items()},
        "by_month": {r["month"]: r["warrants_executed"] for r in out["by_month"]},
    }
    ranges = attacker_range(tables, out["totals"]["warrants_executed"])
    assert all(lo <= 1 and hi >= 9 for lo, hi in ranges.values())
