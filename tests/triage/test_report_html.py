"""report.html read in a browser, as an examiner would."""

from __future__ import annotations

import pytest
from tests.triage.test_scan import digests
from typer.testing import CliRunner

from netsafe.triage.cli import app
from netsafe.triage.hashsets import DEFAULT_VICS_CATEGORIES, HashEntry
from netsafe.triage.hashsets.csvtable import CsvFormat


@pytest.mark.browser
def test_report_shows_priority_categories_indicators_and_errors(page, tmp_path, messy_folder):
    sets = tmp_path / "uk.csv"
    good = (messy_folder / "DCIM" / "good.jpg").read_bytes()
    CsvFormat().write(
        [HashEntry(id="1", category="A", **digests(good))], sets, DEFAULT_VICS_CATEGORIES
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["scan", str(messy_folder), "--out", str(out), "--workers", "1", "--hashset", str(sets)],
    )
    assert result.exit_code == 0, result.output
    page.goto((out / "report.html").as_uri())
    assert page.title() == "NetSafe triage report"
    assert page.locator("h2", has_text=str(messy_folder)).count() == 1
    assert page.locator(".band").inner_text() == "high"
    rows = page.locator("table:below(h3:text('Indecent images by category')) tbody tr").first
    assert rows.locator("td").nth(0).inner_text() == "A"
    assert rows.locator("td").nth(1).inner_text() == "1"
    assert page.get_by_role("cell", name="tor-browser", exact=True).count() == 1
    assert page.get_by_role("cell", name="DCIM/truncated.jpg").count() == 1
    assert page.get_by_role("cell", name="caf\\xe9.jpg").count() == 0  # decodes fine: no error row
