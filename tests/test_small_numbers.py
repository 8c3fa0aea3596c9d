"""The small-number rule is defined once, and every figure that leaves the system obeys it."""

from __future__ import annotations

import pytest

from netsafe import small_numbers
from netsafe.prevention import aggregates
from netsafe.stats import disclosure, press


def test_counts_1_to_9_are_suppressed_and_the_rest_rounded_to_5():
    assert small_numbers.control(0) == 0
    assert [small_numbers.control(n) for n in range(1, 10)] == [None] * 9
    assert [small_numbers.control(n) for n in (10, 12, 13, 1347, 1348)] == [10, 10, 15, 1345, 1350]
    assert small_numbers.SUPPRESSED == "<10"  # as contracts/returns.md writes it


@pytest.mark.parametrize("bad", [3.5, "7", None, True])
def test_anything_but_a_whole_number_is_refused(bad):
    with pytest.raises(TypeError, match="whole number"):
        small_numbers.control(bad)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative: -1"):
        small_numbers.control(-1)


@pytest.mark.parametrize("count", [0, 4, 12, 15, 19, 20, 486])
def test_one_threshold_for_the_prevention_side_the_tables_and_the_press(count, monkeypatch):
    # A stricter rule in the one place is the rule of every figure that leaves.
    monkeypatch.setattr(small_numbers, "SMALL", (1, 19))
    held_back = 1 <= count <= 19
    assert (aggregates.control(count) is None) == held_back
    assert (disclosure.control(count) == disclosure.SUPPRESSED) == held_back
    assert (press.exact(count) != f"{count:,}") == held_back


def test_one_threshold_for_what_a_reader_of_a_table_can_work_out(monkeypatch):
    monkeypatch.setattr(small_numbers, "SMALL", (1, 19))
    # A reader of a published table knows a suppressed cell hides 1 to 19, and a
    # rounded one at least 20.
    assert disclosure.bounds(disclosure.SUPPRESSED) == (1, 19)
    assert disclosure.bounds(20) == (20, 22)
    # Complementary suppression withholds a cell that is not small, never a 12 now small.
    tables, _total = disclosure.protect({"by_force": {"a": 15, "b": 12, "c": 40}}, 67)
    suppressed, withheld = disclosure.SUPPRESSED, disclosure.COMPLEMENTARY
    assert tables["by_force"] == {"a": suppressed, "b": suppressed, "c": withheld}
