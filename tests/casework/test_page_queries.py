"""How many SQL statements the main pages ask, so an N+1 or a per-request lookup cannot creep in.

Every page is asked twice: with a little casework, and with more of it (more cases in
each force, more records on the subject shown). A page whose statements grow with its
rows asks once per row (an N+1); the bounds are what each page needs, whatever the
rows: the session, the user (with their force and roles, one statement), the page's own
reads and one audit entry (the session is written again only once a minute). Figures
and totals are counted as served: kept for ``NETSAFE_FIGURES_SECONDS``.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind

pytestmark = pytest.mark.django_db

#: Most statements each page may ask, by user, as counted on SQLite (PostgreSQL locks the
#: audit chain in one statement fewer). Home: the session and the user with their force
#: and roles (its figures kept). A list: those two, a count, the rows, and the audit
#: entry (the chain head locked and read, the entry, the head moved on, and a
#: transaction around them). My work: the first rows of each section the user's roles
#: have (their totals kept), and the audit entry.
_OFFICER_AND_LEAD = {
    "home": 2,
    "referrals": 10,
    "subjects": 10,
    "warrants": 10,
    "devices": 10,
    "subject page": 17,
    "search": 10,
}
BOUNDS = {
    "officer": {**_OFFICER_AND_LEAD, "my work": 11},
    "lead": {**_OFFICER_AND_LEAD, "my work": 12},
    "examiner": {"my work": 9},
}


def _urls(subject: m.Subject) -> dict[str, str]:
    return {
        "home": reverse("casework:home"),
        "my work": reverse("casework:my-work"),
        "referrals": reverse("casework:referral-list"),
        "subjects": reverse("casework:subject-list"),
        "warrants": reverse("casework:warrant-list"),
        "devices": reverse("casework:device-list"),
        "subject page": reverse("casework:subject-detail", args=[subject.pk]),
        "search": reverse("casework:subject-list") + f"?q={subject.family_name}",
    }


def _counts(client, users: dict, subject: m.Subject) -> dict[tuple[str, str], int]:
    """Statements of each page for each user (the second request: caches warm)."""
    urls = _urls(subject)
    counts = {}
    for who, user in users.items():
        client.force_login(user)
        for page in BOUNDS[who]:
            assert client.get(urls[page]).status_code == 200, (who, page)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(urls[page])
            assert response.status_code == 200, (who, page)
            counts[who, page] = len(queries)
    return counts


_EXHIBITS = itertools.count(1)


def _more_of(subject: m.Subject, n: int) -> None:
    """``n`` more warrants and devices on ``subject``, the rows of its page."""
    for i in range(n):
        warrant = cf.create(
            m.Warrant,
            subject=subject,
            address=f"{i} Heol y Felin",
            applied=date(2017, 4, 1),
            issued=date(2017, 4, 2) + timedelta(days=i),
        )
        cf.create(
            m.Device,
            warrant=warrant,
            kind=DeviceKind.PHONE,
            seized=date(2017, 4, 3),
            exhibit_ref=f"QC/{next(_EXHIBITS)}",
        )


def test_main_pages_ask_a_bounded_number_of_statements_whatever_their_rows(client, settings):
    settings.NETSAFE_FIGURES_SECONDS = 30  # as served
    users = {
        "officer": make_user("sw-officer", "south-wales", Role.OFFICER),
        "lead": make_user("lead", None, Role.OPERATION_LEAD),
        "examiner": make_user("sw-examiner", "south-wales", Role.EXAMINER),
    }
    first = cf.case("south-wales")
    cf.case("gwent", email="gwent.subject@example.com")
    # Something in every section of My work: a referral awaiting assessment in each
    # force, and a warrant to execute with its device awaiting triage.
    cf.referral("south-wales")
    cf.referral("gwent")
    _more_of(first.subject, 1)
    few = _counts(client, users, first.subject)

    for n in range(6):
        cf.case("south-wales", email=f"sw{n}@example.com", family_name="Pritchard")
        cf.case("gwent", email=f"gw{n}@example.com", family_name="Pritchard")
    _more_of(first.subject, 6)
    for n in range(3):
        cf.referral("south-wales", package_ref=f"CEOP-2017-01{n}")
    many = _counts(client, users, first.subject)

    grew = {key: (few[key], many[key]) for key in few if many[key] > few[key]}
    assert not grew, f"statements grew with the rows (an N+1): {grew}"
    over = {
        key: (n, BOUNDS[key[0]][key[1]]) for key, n in many.items() if n > BOUNDS[key[0]][key[1]]
    }
    assert not over, f"more statements than the page needs: {over}"


def _plan(queryset) -> list[str]:
    """The database's plan for ``queryset``, one line per step; no step may read a whole
    table where an index would do (PostgreSQL's sequential scans are turned off, so
    one shows only where no index can answer)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


def test_a_search_for_an_account_handle_reads_the_identifiers_by_index():
    """An online account is found by its handle alone on any service (issue 13) from an
    index: the match on the end of ``service:handle`` read every identifier (70 ms of a
    search at 100 times the demo)."""
    from netsafe.casework.views import search_keys

    ours = cf.referral("south-wales")
    cf.identifier(ours, "account", "@ADunn24", service="Kik")
    # The same handle in another force's referral is not among the keys at all.
    cf.identifier(cf.referral("gwent"), "account", "@ADunn24", service="Kik")
    officer = make_user("keys-officer", "south-wales", Role.OFFICER)
    keys = search_keys(m.Referral, ("identifiers__normalised",), "adunn24", officer)
    assert list(keys.values_list("pk", flat=True)) == [ours.pk]
    plan = _plan(m.Referral.objects.filter(pk__in=keys))
    scans = [
        step
        for step in plan
        if (step.strip().startswith("SCAN") and "INDEX" not in step) or "Seq Scan" in step
    ]
    assert not scans, plan


def _counts_in(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("page", "figure"),
    [
        ("casework:home", lambda r: r.context["figures"]["warrants_executed"]),
        ("casework:my-work", lambda r: r.context["sections"][0].total),
    ],
    ids=["home figures", "my work totals"],
)
def test_figures_are_counted_again_only_after_a_change(client, settings, page, figure):
    """At 100 times the demo counting was most of the home page (over 400,000 rows for
    the operation lead on each view) and of My work (63,000 devices awaiting triage):
    the counts are kept for ``NETSAFE_FIGURES_SECONDS``, and made again at once when a
    record is saved."""
    settings.NETSAFE_FIGURES_SECONDS = 30
    client.force_login(make_user("lead", None, Role.OPERATION_LEAD))
    cf.referral("gwent", action_due=date(2017, 1, 2))
    cf.case("gwent")
    url = reverse(page)
    with CaptureQueriesContext(connection) as first:
        assert figure(client.get(url)) == 1
    with CaptureQueriesContext(connection) as again:
        assert figure(client.get(url)) == 1
    assert _counts_in(first)
    assert not _counts_in(again)
    # Another overdue referral and another executed warrant: counted again at once.
    cf.referral("north-wales", action_due=date(2017, 1, 3))
    cf.case("north-wales", email="nw@example.com")
    assert figure(client.get(url)) == 2


def test_my_work_totals_are_kept_for_each_force_and_the_operation_apart(client, settings):
    """My work's totals are kept under a key naming the section, whose records (a force's
    or the operation's) and the day: one force's total is never shown to another."""
    settings.NETSAFE_FIGURES_SECONDS = 30
    for force, n in (("gwent", 1), ("north-wales", 2)):
        for _ in range(n):
            cf.referral(force, action_due=date(2017, 1, 2))
    users = {
        "gwent": make_user("gw-officer", "gwent", Role.OFFICER),
        "north-wales": make_user("nw-officer", "north-wales", Role.OFFICER),
        "lead": make_user("lead", None, Role.OPERATION_LEAD),
    }
    overdue = {}
    for _ in range(2):  # the second time from the kept totals
        for who, user in users.items():
            client.force_login(user)
            sections = client.get(reverse("casework:my-work")).context["sections"]
            overdue[who] = sections[0].total
            assert len(sections[0].rows) == sections[0].total
        assert overdue == {"gwent": 1, "north-wales": 2, "lead": 3}


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_a_warrant_or_device_shows_its_band_as_the_referral_does(language):
    from django.utils import translation

    from netsafe.casework.choices import RiskBand, band_label

    with translation.override(language):
        for band in [*RiskBand.values, ""]:
            assert band_label(band) == m.Referral(risk=band).get_risk_display()
