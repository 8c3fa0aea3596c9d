"""The dashboard and report: who sees them, what they show, the PDF."""

from __future__ import annotations

import re

import pytest
from tests.factories import PASSWORD, make_user
from tests.stats.operation import build

from netsafe.accounts.roles import Role

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
    assert len(charts) == 5  # no help-seeking data loaded: no time series chart
    for ident in ("chart-cumulative", "chart-monthly", "chart-forces", "chart-backlog"):
        assert f'<title id="{ident}-title">' in html
    assert 'data-marker="Launch"' in html
    assert 'data-table="months"' in html
    assert "The comparison needs" not in html  # as at 2018 the 12 months after launch are over
    # The public table never shows 7 children: "<10".
    public = html[html.index('data-table="public"') :]
    assert "&lt;10" in public
    assert "<script" not in html.split("</head>")[1]  # nothing inline, nothing from a CDN


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
