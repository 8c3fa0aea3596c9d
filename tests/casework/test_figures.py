"""The home page's figures are the statistics' figures: one definition of each measure."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from tests.casework import factories as cf

from netsafe.casework import figures
from netsafe.casework import models as m
from netsafe.stats.figures import compute

pytestmark = pytest.mark.django_db


def test_home_figures_are_the_statistics_totals():
    gwent = cf.case("gwent")
    cf.case("north-wales")
    # A warrant issued but not executed counts for neither.
    cf.create(m.Warrant, subject=gwent.subject, address="1 High St", applied=date(2017, 4, 1))
    as_at = timezone.localdate()  # the referrals were received today
    totals = compute(as_at, with_help_seeking=False)["totals"]
    home = figures.headline(as_at=as_at)
    assert list(home) == [name for name in totals if name in figures.HOME]
    assert home == {name: totals[name] for name in figures.HOME}
    assert home["warrants_executed"] == 2
    assert figures.headline() == home  # nothing has happened after today
    assert figures.headline(as_at=date(2017, 1, 1))["warrants_executed"] == 0


def test_the_headline_is_four_of_the_measures_in_the_order_reported():
    names = [measure.name for measure in figures.MEASURES]
    assert figures.HEADLINE == (
        "warrants_executed",
        "people_arrested",
        "devices_seized",
        "children_safeguarded",
    )
    assert set(figures.HOME) <= set(names)
    assert len(set(names)) == len(names)
