"""The operation's calendar is defined once, and both sides count in the same periods."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from netsafe import periods
from netsafe.prevention import periods as prevention_periods
from netsafe.stats import figures


def test_months_move_by_the_calendar_and_clip_to_the_month():
    assert periods.add_months(date(2016, 11, 1), 12) == date(2017, 11, 1)
    assert periods.add_months(date(2016, 11, 1), -12) == date(2015, 11, 1)
    assert periods.add_months(date(2016, 1, 31), 1) == date(2016, 2, 29)
    assert periods.add_months(date(2016, 12, 15), 1) == date(2017, 1, 15)
    assert periods.month_end(date(2017, 2, 3)) == date(2017, 2, 28)


def test_the_years_before_and_after_launch():
    assert periods.launch_day() == date(2016, 11, 1)
    assert periods.year_after_launch() == (date(2016, 11, 1), date(2017, 10, 31))
    assert periods.year_before_launch() == (date(2015, 11, 1), date(2016, 10, 31))
    # The charity's counting year from launch is the same year.
    assert prevention_periods.counting_year(date(2017, 5, 1)) == periods.year_after_launch()


@pytest.mark.django_db(databases=["default", "prevention"])
def test_an_operation_launched_on_29_february_has_its_figures(settings):
    settings.NETSAFE_OPERATION = {**settings.NETSAFE_OPERATION, "launched": "2016-02-29"}
    assert periods.year_after_launch() == (date(2016, 2, 29), date(2017, 2, 27))
    assert periods.year_before_launch() == (date(2015, 2, 28), date(2016, 2, 28))
    # Before the year after launch has ended there is no help-seeking figure, and no crash.
    assert figures.help_seeking(date(2017, 2, 26)) is None
    stats = figures.compute(date(2017, 2, 26))
    assert stats["launched"] == "2016-02-29"


@pytest.mark.parametrize("launched", ["2016-11-01", "2016-02-29", "2016-01-31"])
def test_counting_years_follow_each_other_without_a_gap(settings, launched):
    settings.NETSAFE_OPERATION = {**settings.NETSAFE_OPERATION, "launched": launched}
    day, end = date(2014, 1, 1), date(2022, 12, 31)
    years = set()
    while day <= end:
        start, last = prevention_periods.counting_year(day)
        assert start <= day <= last
        years.add((start, last))
        day += timedelta(days=1)
    ordered = sorted(years)
    for (_, last), (start, _) in itertools.pairwise(ordered):
        assert start == last + timedelta(days=1)
    assert periods.year_after_launch() in years
    assert periods.year_before_launch() in years
