"""The dashboard and report: who sees them, what they show, the PDF."""

from __future__ import annotations

import re
from datetime import date

import pytest
from tests.factories import PASSWORD, make_user
from tests.stats.operation import build

from netsafe.accounts.roles import Role
from netsafe.prevention import demo as prevention_demo
from netsafe.prevention.models import Release, SuppressedBecause

pytestmark = pytest.mark.django_db(databases=["default", "prevention"])


def login(client, username, force, *roles):
    make_user(username, force, *roles)
    assert client.login(username=username, password=PASSWORD)


@pytest.mark.parametrize(
    ("force", "role"),
    [
        ("south-wales", Role.OFFICER),
        ("south-wales", Role.SUPERVISOR),
        ("south-wales", Role.EXAMINER),
        (None, Role.ADMINISTRATOR),
        (None, Role.CHARITY_ANALYST),
    ],
)
def test_other_roles_get_not_found(client, force, role):
    login(client, "someone", force, role)
    for url in ("/stats/", "/stats/report/", "/stats/report.pdf"):
        assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [Role.ANALYST, Role.OPERATION_LEAD])
def test_dashboard_shows_figures_charts_and_public_table(client, role):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    login(client, "figures", None, role)
    response = client.get("/stats/?as_at=2018-01-19")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Statistics" in html  # the navigation link
    charts = re.findall(r'<svg [^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
    # No help-seeking data loaded: no time series chart. Each is drawn for a screen and
    # for a phone (web/charts.py); CSS shows one.
    assert len([c for c in charts if "-narrow-" not in c]) == 5
    assert len([c for c in charts if "-narrow-" in c]) == 5
    for ident in ("chart-cumulative", "chart-monthly", "chart-forces", "chart-backlog"):
        assert f'<title id="{ident}-title">' in html
    assert 'data-marker="Launch"' in html
    assert 'data-table="months"' in html
    assert "The comparison needs" not in html  # as at 2018 the 12 months after launch are over
    # The public table never shows 7 children: "<10".
    public = html[html.index('data-table="public"') :]
    assert "&lt;10" in public
    assert "<script" not in html.split("</head>")[1]  # nothing inline, nothing from a CDN


def test_the_triage_table_has_a_heading_for_every_column(client):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    login(client, "figures", None, Role.ANALYST)
    html = client.get("/stats/?as_at=2018-01-19").content.decode()
    table = html[html.index('data-table="triage"') :]
    table = table[: table.index("</table>")]
    headings = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    assert headings[:6] == [
        "Force",
        "Triaged",
        "With matches",
        "Matched A",
        "Matched B",
        "Matched C",
    ]
    assert headings[6:] == [f"Confirmed Category {c}" for c in "ABC"] + ["Confirmed Non-pertinent"]
    rows = re.findall(r'<th scope="row".*?</tr>', table)
    assert rows  # a row per force and the operation's
    assert all(row.count("<td") == len(headings) - 1 for row in rows)


def test_a_suppressed_month_of_help_seeking_is_shown_as_fewer_than_10(client):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    prevention_demo.load(password=PASSWORD)
    # The first release of a cell is final: a month released as suppressed stays so.
    Release.objects.filter(period="month", start=date(2016, 3, 1)).delete()
    Release.objects.create(
        nation="wales",
        period="month",
        start=date(2016, 3, 1),
        end=date(2016, 3, 31),
        true_count=6,
        released=None,
        reason=SuppressedBecause.PRIMARY,
    )
    login(client, "figures", None, Role.ANALYST)
    html = client.get("/stats/?as_at=2018-01-19").content.decode()
    table = html[html.index('data-table="help-seeking-months"') :]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td>', table)
    months = dict(rows[:24])
    assert months["Mar 2016"] == "&lt;10"
    assert months["Feb 2016"].replace(",", "").isdigit()


def test_as_at_changes_the_figures_and_a_bad_date_is_reported(client):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    login(client, "analyst", None, Role.ANALYST)
    late = client.get("/stats/?as_at=2018-01-19").context["stats"]["totals"]
    early = client.get("/stats/?as_at=2016-12-31").context["stats"]["totals"]
    assert late["warrants_executed"] == 60
    assert early["warrants_executed"] < 60
    bad = client.get("/stats/?as_at=31/12/2016")
    assert "is not a date as YYYY-MM-DD" in bad.content.decode()


def test_report_html_and_pdf(client):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    login(client, "lead", None, Role.OPERATION_LEAD)
    html = client.get("/stats/report/?as_at=2018-01-19").content.decode()
    assert "operation report" in html
    assert "Download as PDF" in html
    pdf = client.get("/stats/report.pdf?as_at=2018-01-19")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert len(pdf.content) > 10_000


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to look for its structure."""
    import zlib

    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_pdf_is_tagged_for_screen_readers(client):
    build(executed=20, people_arrested=10, devices=40, children=3, late=0)
    login(client, "lead", None, Role.OPERATION_LEAD)
    pdf = _pdf_text(client.get("/stats/report.pdf?as_at=2018-01-19").content)
    assert b"/StructTreeRoot" in pdf  # tagged: headings, tables, figures in reading order
    assert b"/Marked true" in pdf
    assert b"pdfuaid:part" in pdf  # declares PDF/UA-1
    assert b"/Lang" in pdf


def test_as_at_defaults_to_the_last_day_with_data_not_today(client):
    facts = build(executed=30, people_arrested=15, devices=60, children=3, late=2)
    login(client, "analyst", None, Role.ANALYST)
    days = [day for _s, day in facts.referrals] + [
        day for rows in (facts.arrests, facts.devices, facts.safeguarding) for _s, day, _x in rows
    ]
    days += [d for _s, issued, done in facts.warrants for d in (issued, done) if d is not None]
    days += [day for _s, day in facts.interviews + facts.signposting]
    days += [day for _s, day, _n, _o in facts.outcomes]
    response = client.get("/stats/")
    assert response.context["as_at"] == max(days)
    html = response.content.decode()
    assert f'value="{max(days).isoformat()}"' in html
    # The months run from launch to the last month with activity: no years of zeros.
    months = [row["month"] for row in response.context["months"]]
    assert months[0] == "2016-11"
    assert months[-1] == f"{max(days):%Y-%m}"
    # Asked for a day long after the operation, the empty months at the end are left out.
    later = client.get("/stats/?as_at=2026-12-03").context
    assert later["months"][-1]["month"] <= f"{max(days):%Y-%m}"
    assert later["stats"]["totals"] == response.context["stats"]["totals"]
    assert len(later["stats"]["by_month"]) > 100  # stats --json keeps every month (contract)


def test_with_no_data_the_page_opens_on_today(client):
    from django.utils import timezone

    login(client, "analyst", None, Role.ANALYST)
    response = client.get("/stats/")
    assert response.status_code == 200
    assert response.context["as_at"] == timezone.localdate()
    bad = client.get("/stats/?as_at=nonsense").content.decode()
    assert "is not a date as YYYY-MM-DD: showing" in bad


def test_every_table_scrolls_in_its_own_labelled_region(client):
    build(executed=20, people_arrested=10, devices=40, children=3, late=0)
    login(client, "analyst", None, Role.ANALYST)
    for url in ("/stats/", "/stats/report/"):
        html = client.get(url).content.decode()
        tables = html.count("<table")
        wrapped = re.findall(
            r'<div class="app-table-wrap" role="region" aria-label="[^"]+" tabindex="0">\s*<table',
            html,
        )
        assert tables == len(wrapped) > 5
