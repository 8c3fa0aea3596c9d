"""In the browser: the dashboard's charts are drawn and labelled, nothing breaks the CSP."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from tests.factories import PASSWORD, make_user
from tests.returns.test_returns import good_records
from tests.stats.operation import build

from netsafe.accounts.roles import Role
from netsafe.prevention import demo as prevention_demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "prevention"]),
]

CHARTS = {
    "Per-force comparison": "chart-forces",
    "Warrants executed, arrests and devices seized since launch (cumulative)": "chart-cumulative",
    "Monthly activity: warrants executed, arrests and devices seized": "chart-monthly",
    "Devices backlog by force: triaged and awaiting triage": "chart-backlog",
    "Time from referral to action against the risk-band targets": "chart-action",
    "People seeking help each month, before and after launch": "chart-help-seeking",
}


def sign_in(page, live_server, username, path):
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    # Until the page's stylesheets have loaded, the narrow copy of each chart (hidden by
    # stats.css) is shown too, and a chart's name finds two: wait for the page's load.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()


def test_the_dashboard_draws_every_chart_with_its_name_and_table(page, live_server, tmp_path):
    build(executed=80, people_arrested=50, devices=300, children=30, late=3)
    prevention_demo.load(password=PASSWORD)
    make_user("analyst", None, Role.ANALYST)
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "analyst", "/stats/?as_at=2018-01-19")
    expect(page.get_by_role("heading", level=1)).to_contain_text("statistics")
    expect(page.get_by_role("link", name="Statistics")).to_be_visible()
    for name, ident in CHARTS.items():
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 300
        assert box["height"] > 100
        assert page.locator(f"#{ident}-desc").text_content().strip()
    expect(page.locator("#chart-help-seeking [data-marker='Launch']")).to_have_count(1)
    expect(page.locator("#chart-help-seeking circle[data-value]")).to_have_count(24)
    expect(page.locator("#chart-forces rect")).to_have_count(16)  # 4 forces x 4 measures
    for table in ("forces", "months", "backlog", "action", "help-seeking", "public"):
        expect(page.locator(f"[data-table='{table}']")).to_be_visible()
    expect(page.get_by_text("a 50 per cent increase on the number of people")).to_be_visible()
    expect(page.get_by_text("rate ratio of 1.50")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert not [m for m in refused if "Content Security Policy" in m], refused

    page.get_by_label("Figures as at").fill("2017-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("The comparison needs the 12 months after launch")).to_be_visible()
    expect(
        page.get_by_role("img", name="People seeking help each month, before and after launch")
    ).to_have_count(0)


def test_a_supervisor_sees_the_validation_report_in_the_browser(
    page, live_server, settings, tmp_path
):
    settings.VAR_DIR = tmp_path  # where the upload waits for its confirmation
    make_user("gwent-supervisor", "gwent", Role.SUPERVISOR)
    sign_in(page, live_server, "gwent-supervisor", "/returns/upload/")
    records = good_records()
    records[2]["issued"] = "05/11/2016"
    content = "".join(json.dumps(r) + "\n" for r in records)
    page.get_by_label("Return file").set_input_files(
        {"name": "gwent.jsonl", "mimeType": "application/json", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Check the return").click()
    problems = page.locator(".netsafe-return-problem")
    expect(problems).to_have_count(1)
    expect(problems.first).to_have_text(
        "3: warrant 'GW1': issued must be a date as YYYY-MM-DD, not '05/11/2016'"
    )
    content = "".join(json.dumps(r) + "\n" for r in good_records())
    page.get_by_label("Return file").set_input_files(
        {"name": "gwent.jsonl", "mimeType": "application/json", "buffer": content.encode()}
    )
    page.get_by_role("button", name="Check the return").click()
    # A preview first: what it would add, nothing stored until confirmed.
    expect(page.get_by_text("Nothing of gwent.jsonl is stored yet")).to_be_visible()
    expect(page.locator("#return-preview")).to_contain_text("device")
    page.get_by_role("button", name="Store the return").click()
    expect(page.get_by_text("gwent.jsonl was imported.")).to_be_visible()
    expect(page.locator("#return-counts")).to_contain_text("device")
