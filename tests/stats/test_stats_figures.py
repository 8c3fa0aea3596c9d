"""``stats --json`` against counts made independently from what the test wrote."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from tests.stats.operation import AS_AT, FORCES, build
from typer.testing import CliRunner

from netsafe.stats import figures
from netsafe.stats.cli import stats as stats_command

pytestmark = pytest.mark.django_db


def month(day) -> str:
    return f"{day:%Y-%m}"


def expected(facts, as_at):
    """The contract's totals, by force and by month, counted in Python from the facts."""
    totals: dict[str, dict[str, int]] = defaultdict(Counter)  # force -> measure -> n
    months: dict[str, Counter] = defaultdict(Counter)
    people: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))

    def add(name, slug, day, n=1):
        if day is not None and day <= as_at:
            totals[slug][name] += n
            months[month(day)][name] += n

    for slug, day in facts.referrals:
        add("referrals", slug, day)
    for slug, issued, executed in facts.warrants:
        add("warrants_issued", slug, issued)
        add("warrants_executed", slug, executed)
    for slug, day, subject in facts.arrests:
        add("arrests", slug, day)
        if day <= as_at:
            people[slug]["people_arrested"].add(subject)
    for slug, day in facts.interviews:
        add("voluntary_interviews", slug, day)
    for slug, day, _status in facts.devices:
        add("devices_seized", slug, day)
    for slug, day, n in facts.safeguarding:
        add("children_safeguarded", slug, day, n)
    for slug, day in facts.signposting:
        add("signposted", slug, day)
    for slug, day, subject, kind in facts.outcomes:
        if day <= as_at:
            people[slug][kind].add(subject)
    by_force = {}
    for slug in FORCES:
        row = {name: totals[slug][name] for name in figures.BY_NAME}
        for name in ("people_arrested", "charged", "convicted"):
            row[name] = len(people[slug][name])
        by_force[slug] = row
    total = {name: sum(row[name] for row in by_force.values()) for name in figures.BY_NAME}
    first = min(months)
    by_month = [
        {"month": key, **{name: months[key][name] for name in figures.MONTHLY}}
        for key in figures.months_between(figures.date.fromisoformat(first + "-01"), as_at)
    ]
    return total, by_force, by_month


def test_stats_json_equals_independent_counts_as_at_a_date():
    facts = build()
    result = figures.compute(AS_AT, with_help_seeking=False)
    total, by_force, by_month = expected(facts, AS_AT)
    assert result["totals"] == total
    assert result["by_force"] == by_force
    assert result["by_month"] == by_month
    # The press release's figures, as at 19 January 2018 (later records not counted).
    assert total["warrants_executed"] == 486
    assert total["people_arrested"] == 339
    assert total["devices_seized"] == 2047
    assert total["children_safeguarded"] == 58
    assert result["as_at"] == "2018-01-19"
    assert result["launched"] == "2016-11-01"
    assert result["by_month"][0]["month"] == "2016-10"  # referrals before launch
    assert result["by_month"][-1]["month"] == "2018-01"

    earlier = figures.date(2017, 6, 30)
    total, by_force, by_month = expected(facts, earlier)
    result = figures.compute(earlier, with_help_seeking=False)
    assert result["totals"] == total
    assert result["by_month"] == by_month
    assert result["help_seeking"] is None


@pytest.mark.django_db(databases=["default", "prevention"])
def test_cli_json_public_report_and_bad_date(tmp_path):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    runner = CliRunner()
    result = runner.invoke(stats_command_app(), ["--as-at", "2018-01-19", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown == json.loads(json.dumps(figures.compute(AS_AT)))
    assert shown["totals"]["children_safeguarded"] == 7

    result = runner.invoke(stats_command_app(), ["--as-at", "2018-01-19", "--json", "--public"])
    public = json.loads(result.stdout)
    assert public["totals"]["children_safeguarded"] == "<10"
    assert public["totals"]["warrants_executed"] == 60

    pdf = tmp_path / "report.pdf"
    result = runner.invoke(stats_command_app(), ["--as-at", "2018-01-19", "--report", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")

    result = runner.invoke(stats_command_app(), ["--as-at", "2018-01-19"])
    assert "Warrants executed" in result.stdout

    result = runner.invoke(stats_command_app(), ["--as-at", "19/01/2018"])
    assert result.exit_code == 2
    assert "'19/01/2018' is not a date as YYYY-MM-DD" in result.output


def stats_command_app():
    import typer

    app = typer.Typer()
    app.command()(stats_command)
    return app


def test_backlog_and_time_to_action_against_independent_counts():
    facts = build(executed=80, people_arrested=40, devices=300, children=12, late=5)
    backlog = figures.devices_backlog(AS_AT)
    for slug in FORCES:
        mine = [status for f, day, status in facts.devices if f == slug and day <= AS_AT]
        awaiting = mine.count("awaiting-triage")
        assert backlog[slug] == {
            "seized": len(mine),
            "triaged": len(mine) - awaiting,
            "awaiting": awaiting,
        }
    rows = {row["band"]: row for row in figures.time_to_action(AS_AT)}
    assert [r["target_days"] for r in rows.values()] == [1, 7, 14, 30]
    for band, row in rows.items():
        mine = [(due, done) for (b, due, done) in facts.actions if b == band]
        acted = [(due, done) for due, done in mine if done is not None and done <= AS_AT]
        on_time = sum(done <= due for due, done in acted)
        waiting = [due for due, done in mine if done is None or done > AS_AT]
        assert row["total"] == len(mine)
        assert row["on_time"] == on_time
        assert row["late"] == len(acted) - on_time
        assert row["overdue"] == sum(due < AS_AT for due in waiting)
        assert row["waiting"] == sum(due >= AS_AT for due in waiting)
    assert sum(r["late"] for r in rows.values()) > 0
    assert sum(r["on_time"] for r in rows.values()) > 0
