"""The press lines, computed from a dataset with the demo operation's totals."""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD
from tests.stats.operation import AS_AT, build

from netsafe import small_numbers
from netsafe.prevention import demo as prevention_demo
from netsafe.stats import disclosure, figures
from netsafe.stats.press import exact, how_many, more_than, per_cent_change, press_lines, round_down


def test_round_figures_are_below_the_true_count():
    assert round_down(2047) == 2000
    assert more_than(2047) == "more than 2,000"
    assert more_than(2000) == "2,000"
    assert more_than(486) == "more than 480"
    assert more_than(12_345) == "more than 12,000"
    assert more_than(7) == "fewer than 10"
    assert how_many(58) == "dozens of"
    assert how_many(340) == "hundreds of"
    assert how_many(14) == "more than 10"
    assert how_many(4) is None
    assert how_many(0) is None
    assert per_cent_change(0.5) == "a 50 per cent increase on"
    assert per_cent_change(-0.124) == "a 12 per cent fall from"
    assert per_cent_change(0.001) == "the same as"


@pytest.mark.parametrize(
    ("count", "words"), [(10, "10"), (11, "more than 10"), (20, "20"), (23, "more than 20")]
)
def test_the_words_for_children_never_say_more_than_there_were(count, words):
    assert how_many(count) == words


@pytest.mark.parametrize("count", range(0, 25))
def test_the_press_lines_hold_back_exactly_the_counts_disclosure_suppresses(count, monkeypatch):
    suppressed = disclosure.control(count) == disclosure.SUPPRESSED
    assert (exact(count) == "fewer than 10") == suppressed
    assert (more_than(count) == "fewer than 10") == suppressed
    # One rule: a stricter threshold in the small-number rule is the press lines' too.
    monkeypatch.setattr(small_numbers, "SMALL", (1, 19))
    assert (exact(count) != f"{count:,}") == (1 <= count <= 19)
    assert (exact(count) == "fewer than 20") == (1 <= count <= 19)
    assert (how_many(count) is None) == (count <= 19)


@pytest.mark.django_db(databases=["default", "prevention"])
def test_press_lines_on_the_demo_operation_word_for_word():
    build()  # 486 warrants executed, 339 people arrested, 2,047 devices, 58 children
    prevention_demo.load(password=PASSWORD)  # 900 people from Wales before, 1,350 after
    lines = press_lines(figures.compute(AS_AT))
    assert lines == [
        "Since launching in November 2016, Operation NetSafe has seen 486 warrants executed, "
        "with 339 people arrested and more than 2,000 devices being seized.",
        "Officers have safeguarded dozens of children.",
        "In the 12 months after Operation NetSafe was launched, a total of 1,350 people from "
        "Wales used either resource - a 50 per cent increase on the number of people seeking "
        "help in the year prior to the operation's launch.",
    ]


@pytest.mark.django_db
def test_press_lines_follow_the_figures_and_never_give_a_small_count():
    build(executed=120, people_arrested=7, devices=3149, children=3, late=0)
    lines = press_lines(figures.compute(AS_AT, with_help_seeking=False))
    assert lines == [
        "Since launching in November 2016, Operation NetSafe has seen 120 warrants executed, "
        "with fewer than 10 people arrested and more than 3,100 devices being seized."
    ]
