"""``netsafe hashsets compile`` and ``info``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from netsafe.triage.hashsets.cli import app

runner = CliRunner()


def _csv(path):
    path.write_text(
        "id,md5,sha1,pdq,category\n"
        f"1,{'a' * 32},,{'f' * 64},A\n"
        f"2,{'b' * 32},{'c' * 40},,B\n"
        f"3,{'d' * 32},,,non-pertinent\n"
        f"4,,{'e' * 40},,A\n"
    )
    return path


def test_info_before_and_after_compile(tmp_path):
    path = _csv(tmp_path / "uk.csv")
    cache = tmp_path / "cache"
    before = runner.invoke(app, ["info", str(path), "--cache", str(cache), "--json"])
    assert before.exit_code == 0, before.output
    info = json.loads(before.stdout)
    assert info["compiled"] is False
    assert not cache.exists()  # info reads; it never writes the cache
    assert info["format"] == "csv"
    assert info["entries"] == 4
    assert info["hashes"] == {"md5": 3, "sha1": 2, "sha256": 0, "pdq": 1}
    assert info["categories"] == {"A": 2, "B": 1, "non-pertinent": 1}
    assert info["known"] == 1

    done = runner.invoke(app, ["compile", str(path), "--cache", str(cache)])
    assert done.exit_code == 0, done.output
    assert "4 entries, compiled in" in done.stdout
    again = runner.invoke(app, ["compile", str(path), "--cache", str(cache)])
    assert "already compiled" in again.stdout

    after = json.loads(
        runner.invoke(app, ["info", str(path), "--cache", str(cache), "--json"]).stdout
    )
    assert after["compiled"] is True
    assert after["cache"].startswith(str(cache))
    assert {k: v for k, v in after.items() if k != "compiled"} == {
        k: v for k, v in info.items() if k != "compiled"
    }
    text = runner.invoke(app, ["info", str(path), "--cache", str(cache)]).stdout
    assert "compiled:   yes" in text
    assert "md5 3, sha1 2, pdq 1" in text


def test_unusable_sets_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("md5,category\n" + "a" * 32 + ",A\nnot-a-hash,B\n")
    for args in (
        ["compile", str(bad)],
        ["info", str(bad)],
        ["compile", str(tmp_path / "missing.txt")],
    ):
        result = runner.invoke(app, [*args, "--cache", str(tmp_path / "cache")])
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines()[-1].startswith("netsafe hashsets: error: ")
        assert "Traceback" not in result.output
    assert "bad.csv:3: md5 'not-a-hash'" in runner.invoke(app, ["info", str(bad)]).stderr
