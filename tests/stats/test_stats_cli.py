"""``netsafe stats`` with a plain command line runs without the command-line parser, the same."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest
import typer
from tests.stats.operation import build
from typer.testing import CliRunner

from netsafe.stats import cli
from netsafe.stats.cli import plain_arguments, run_plain, stats

PLAIN = [
    [],
    ["--json"],
    ["--as-at", "2018-01-19", "--json"],
    ["--json", "--as-at=2018-01-19", "--public"],
    ["--press", "--as-at", "2017-06-30"],
    ["--public", "--press", "--json", "--json"],
]
NOT_PLAIN = [
    ["--help"],
    ["--as-at"],
    ["--as-at", "19/01/2018"],
    ["--as-at", "--json"],
    ["--as-at", "2018-01-19", "--as-at", "2018-01-20"],
    ["--report", "out.pdf"],
    ["--jsn"],
    ["-"],
    ["--", "--json"],
    ["extra"],
]


def typer_arguments(args: list[str]) -> dict | None:
    """What the command-line parser passes to :func:`stats` for ``args`` (None: it refuses)."""
    seen: dict = {}

    @functools.wraps(stats)
    def spy(**kwargs):
        seen.update(kwargs)

    app = typer.Typer()
    app.command()(spy)
    result = CliRunner().invoke(app, args)
    return seen if result.exit_code == 0 and seen else None


def with_defaults(kwargs: dict) -> dict:
    return {"as_at": None, "as_json": False, "public": False, "press": False, "report": None} | (
        kwargs
    )


@pytest.mark.parametrize("args", PLAIN)
def test_a_plain_command_line_gives_what_the_parser_gives(args):
    mine = plain_arguments(args)
    assert mine is not None
    assert with_defaults(mine) == typer_arguments(args)


@pytest.mark.parametrize("args", NOT_PLAIN)
def test_anything_else_is_left_to_the_parser(args):
    assert plain_arguments(args) is None
    assert run_plain(args) is False


@pytest.mark.django_db(databases=["default", "prevention"])
@pytest.mark.parametrize(
    "args", [["--as-at", "2018-01-19", "--json"], ["--as-at=2018-01-19", "--json", "--public"]]
)
def test_the_plain_path_prints_what_the_parsed_command_prints(args, capsys):
    build(executed=60, people_arrested=30, devices=150, children=7, late=3)
    app = typer.Typer()
    app.command()(stats)
    parsed = CliRunner().invoke(app, args)
    assert parsed.exit_code == 0, parsed.output
    assert run_plain(args) is True
    plain = capsys.readouterr().out
    assert json.loads(plain) == json.loads(parsed.stdout)


def test_netsafe_stats_dispatches_a_plain_command_line_without_typers_pydantic_layer():
    """The parser converts every option's value through pydantic (a tenth of the command)."""
    code = (
        "import sys\n"
        "import netsafe.stats.cli as c\n"
        "called = []\n"
        "c.stats = lambda **kw: called.append(kw)\n"
        "sys.argv = ['netsafe', 'stats', '--as-at', '2018-01-19', '--json']\n"
        "from netsafe.cli import main\n"
        "main()\n"
        "assert called == [{'as_at': '2018-01-19', 'as_json': True}], called\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def plain_command(body: str, **popen) -> subprocess.Popen:
    """``netsafe stats --json`` through the plain path, with ``body`` as the command."""
    code = (
        "import sys\n"
        "import netsafe.stats.cli as c\n"
        f"def stats(**kw):\n    {body}\n"
        "c.stats = stats\n"
        "sys.argv = ['netsafe', 'stats', '--json']\n"
        "from netsafe.cli import main\n"
        "main()\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], text=True, **popen)


def test_the_plain_path_ends_as_the_parsers_commands_do_on_ctrl_c_and_a_closed_pipe():
    with plain_command("raise KeyboardInterrupt", stderr=subprocess.PIPE) as interrupted:
        _, errors = interrupted.communicate(timeout=120)
    assert interrupted.returncode == 130
    assert errors == ""
    printing = "for _ in range(100_000): print('x' * 100)"
    with plain_command(printing, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as piped:
        assert piped.stdout.readline() == "x" * 100 + "\n"
        piped.stdout.close()  # the reader stops, as head does
        _, errors = piped.communicate(timeout=120)
    assert piped.returncode == 1
    assert errors == ""


def test_the_plain_flags_are_the_commands_options():
    """The plain path knows the flags by name: they must stay the command's own."""
    app = typer.Typer()
    app.command()(stats)
    command = typer.main.get_command(app)
    options = {p.name: p.opts for p in command.params}
    for flag, name in cli._PLAIN_FLAGS.items():
        assert options[name] == [flag]
    assert options["as_at"] == ["--as-at"]
