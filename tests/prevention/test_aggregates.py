"""The aggregate interface: controlled counts of fixed cells, safe against differencing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone
from prevention_helpers import BOTH, add_people, local

from netsafe.prevention.aggregates import (
    QueryRefused,
    before_after,
    control,
    help_seeking,
)
from netsafe.prevention.models import Contact, Release, SelfHelpVisits
from netsafe.prevention.periods import add_months, month_end

pytestmark = pytest.mark.django_db(databases=BOTH)

YEAR_AFTER = (date(2016, 11, 1), date(2017, 10, 31))
YEAR_BEFORE = (date(2015, 11, 1), date(2016, 10, 31))


@pytest.mark.parametrize(
    ("count", "released"),
    [(0, 0), (1, None), (9, None), (10, 10), (12, 10), (13, 15), (1347, 1345), (1348, 1350)],
)
def test_control(count, released):
    assert control(count) == released


def test_returning_caller_counts_once_and_other_nations_do_not_count():
    for day in (3, 10, 17):
        Contact.objects.create(
            occurred_at=local(2017, 3, day, 10, 0),
            caller_type="self",
            region="wales-gwent",
            duration_minutes=5,
            caller_code="OAK-42",
        )
    # Two contacts without a code: two people, as far as anyone can know.
    for day in (4, 5):
        Contact.objects.create(
            occurred_at=local(2017, 3, day, 10, 0),
            caller_type="family",
            region="wales",
            duration_minutes=5,
        )
    add_people(20, 2017, 3, region="england-london")
    add_people(9, 2017, 3, region="wales-north-wales")
    SelfHelpVisits.objects.create(
        period="month", start=date(2017, 3, 1), nation="wales", visitors=2
    )
    [march] = help_seeking("wales", date(2017, 3, 1), date(2017, 3, 31), by="month")
    assert Release.objects.get(period="month", start=date(2017, 3, 1)).true_count == 1 + 2 + 9 + 2
    assert march.people == 15
    assert help_seeking("england", date(2017, 3, 1), date(2017, 3, 31), by="month")[0].people == 20


def test_small_counts_leave_as_suppressed():
    add_people(4, 2017, 5)
    [may] = help_seeking("wales", date(2017, 5, 1), date(2017, 5, 31), by="month")
    assert may.people is None
    [june] = help_seeking("wales", date(2017, 6, 1), date(2017, 6, 30), by="month")
    assert june.people == 0


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("wales-gwent", *YEAR_AFTER), "not published"),
        (("all", *YEAR_AFTER), "not published"),
        (("wales", date(2016, 11, 15), date(2017, 11, 14)), "not a counting year"),
        (("wales", date(2016, 12, 1), date(2017, 10, 31)), "not a counting year"),
        (("wales", date(2016, 11, 1), date(2018, 10, 31)), "not a counting year"),
        (("wales", "2016-11-01", "soon"), "must be a date"),
    ],
)
def test_arbitrary_questions_are_refused(args, why):
    with pytest.raises(QueryRefused, match=why):
        help_seeking(*args)


@pytest.mark.parametrize(
    ("start", "end", "by", "why"),
    [
        (date(2017, 3, 2), date(2017, 3, 31), "month", "not the first day"),
        (date(2017, 3, 1), date(2017, 3, 30), "month", "not the last day"),
        (date(2017, 4, 1), date(2017, 3, 31), "month", "before start"),
        (date(2017, 3, 1), date(2017, 3, 31), "week", "by must be"),
    ],
)
def test_months_must_be_whole(start, end, by, why):
    with pytest.raises(QueryRefused, match=why):
        help_seeking("wales", start, end, by=by)


def test_open_periods_are_refused():
    today = timezone.localdate()
    this_month = today.replace(day=1)
    with pytest.raises(QueryRefused, match="has not ended"):
        help_seeking("wales", this_month, month_end(today), by="month")
    year_start = date(today.year - 1 if today.month < 11 else today.year, 11, 1)
    with pytest.raises(QueryRefused, match="has not ended"):
        help_seeking("wales", year_start, add_months(year_start, 12) - timedelta(days=1))


def test_datetimes_are_refused():
    with pytest.raises(QueryRefused, match="not a date and time"):
        help_seeking("wales", local(2016, 11, 1, 0, 0), date(2017, 10, 31))


def test_the_first_answer_is_final_so_late_entries_cannot_be_differenced():
    add_people(30, 2017, 3)
    first = help_seeking("wales", date(2017, 3, 1), date(2017, 3, 31), by="month")
    # Three late entries for March: a second, different answer would reveal them.
    add_people(3, 2017, 3)
    again = help_seeking("wales", date(2017, 3, 1), date(2017, 3, 31), by="month")
    assert again == first
    assert first[0].people == 30


def test_month_is_suppressed_when_its_year_would_reveal_a_few_by_subtraction():
    add_people(40, 2017, 3)
    add_people(5, 2017, 6)  # the year minus March is these 5 people
    [march] = help_seeking("wales", date(2017, 3, 1), date(2017, 3, 31), by="month")
    year = help_seeking("wales", *YEAR_AFTER)
    assert year.people == 45
    assert march.people is None
    assert Release.objects.get(period="month", start=date(2017, 3, 1)).reason == "secondary"


def test_year_is_suppressed_when_an_already_released_month_is_a_few_short_of_it():
    add_people(40, 2017, 3)
    add_people(12, 2017, 6)
    [march] = help_seeking("wales", date(2017, 3, 1), date(2017, 3, 31), by="month")
    assert march.people == 40
    # Corrections remove most of June's contacts before the year is first asked for.
    june = Contact.objects.filter(occurred_at__month=6).order_by("pk")
    Contact.objects.filter(pk__in=list(june.values_list("pk", flat=True)[:8])).delete()
    year = help_seeking("wales", *YEAR_AFTER)
    assert year.people is None
    assert Release.objects.get(period="year").reason == "secondary"


def test_no_two_answers_difference_to_a_count_below_ten():
    """Ask every question the interface answers, twice; no nested pair differs by 1 to 9."""
    # The year before: nearly everyone in January, so the year minus January is 3 people.
    before = [0, 0, 40, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    after = [12, 25, 40, 11, 9, 60, 33, 14, 1, 22, 0, 3]
    sizes = [*before, *after]
    for i, n in enumerate(sizes):
        month = add_months(YEAR_BEFORE[0], i)
        add_people(n, month.year, month.month, contacts_each=1 + i % 3)
    add_people(6, 2017, 10, region="scotland")
    # Some people come back in a later month of the same year.
    for code in Contact.objects.values_list("caller_code", flat=True).distinct()[:30:3]:
        Contact.objects.create(
            occurred_at=local(2017, 9, 20, 9, 0),
            caller_type="self",
            region="wales-gwent",
            duration_minutes=5,
            caller_code=code,
        )

    def ask_everything():
        answers = {}
        for region in ("wales", "scotland"):
            for start, end in (YEAR_BEFORE, YEAR_AFTER):
                answers[(region, "year", start)] = help_seeking(region, start, end)
                for figure in help_seeking(region, start, end, by="month"):
                    answers[(region, "month", figure.start)] = figure
        return answers

    first, second = ask_everything(), ask_everything()
    assert first == second
    true = {(r.nation, r.period, r.start): r.true_count for r in Release.objects.all()}
    assert set(true) == set(first)
    for (key_a, fig_a), (key_b, fig_b) in itertools.combinations(first.items(), 2):
        nested = key_a[0] == key_b[0] and (
            fig_a.start <= fig_b.start <= fig_b.end <= fig_a.end
            or fig_b.start <= fig_a.start <= fig_a.end <= fig_b.end
        )
        if nested and fig_a.people is not None and fig_b.people is not None:
            gap = abs(true[key_a] - true[key_b])
            assert not 1 <= gap <= 9, f"{key_a} and {key_b} difference to {gap}"
    for key, figure in first.items():
        if figure.people is not None:
            assert figure.people == 0 or figure.people >= 10, key
            assert figure.people % 5 == 0, key
            assert abs(figure.people - true[key]) <= 2, key
    # Anything else is refused: no range that is not a fixed cell gets an answer.
    for start_month, length in itertools.product(range(24), (1, 2, 3, 6, 11, 13)):
        start = add_months(YEAR_BEFORE[0], start_month)
        end = add_months(start, length) - timedelta(days=1)
        if (start, end) in (YEAR_BEFORE, YEAR_AFTER):
            continue
        with pytest.raises(QueryRefused):
            help_seeking("wales", start, end)


def test_before_after_has_the_shape_of_the_statistics_contract():
    add_people(20, 2016, 2)
    add_people(30, 2017, 2)
    assert before_after("wales") == {
        "region": "wales",
        "after": 30,
        "before": 20,
        "change": 0.5,
        "after_period": ["2016-11-01", "2017-10-31"],
        "before_period": ["2015-11-01", "2016-10-31"],
    }


def test_before_after_gives_no_change_when_a_year_is_suppressed():
    add_people(5, 2016, 2)
    add_people(30, 2017, 2)
    result = before_after("wales")
    assert result["before"] is None
    assert result["change"] is None
