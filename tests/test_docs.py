"""Documentation that cannot drift (datasette's ``tests/test_docs.py`` is the model).

- Every environment variable NetSafe reads is in the README's settings table.
- Every ``netsafe`` command and sub-command is in the README, and it and every
  one of its options and arguments says what it does in ``--help``.
- ARCHITECTURE.md's table of areas has a row for every area (package or top-level
  module of ``netsafe``), and names exactly the areas each imports, function-local
  imports included (read by ``tests/test_imports.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import typer
from tests.test_imports import import_graph

from netsafe import cli

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "netsafe"
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
#: Variables read that are not NetSafe's settings: Django's own (its reloader, the settings
#: module a triage job passes on), the search path for the tools the demo runs, the
#: user's cache folder (the XDG convention).
NOT_SETTINGS = {"RUN_MAIN", "DJANGO_SETTINGS_MODULE", "PATH", "XDG_CACHE_HOME"}
#: Helpers of web/settings.py that read the variable named by their first argument.
READERS = frozenset({"_whole_number", "_database"})
SETTINGS = SRC / "web" / "settings.py"


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (``CACHE_ENV = "NETSAFE_INDEX_CACHE"``)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def environment_reads(source: str, readers: frozenset[str] = frozenset()) -> set[str]:
    """The names of the environment variables a module reads: ``os.environ.get(X)``,
    ``os.environ[X]``, ``os.getenv(X)`` and calls of ``readers`` (``reader(X, ...)``), ``X``
    a string or a module-level constant naming one."""
    tree = ast.parse(source)
    constants = _constants(tree)

    def text(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    names = set()
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            reads = (
                (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value))
                or (isinstance(func, ast.Attribute) and func.attr == "getenv")
                or (isinstance(func, ast.Name) and func.id in readers)
            )
            key = text(node.args[0]) if reads else None
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = text(node.slice)
        if key:
            names.add(key)
    return names


def settings_table() -> set[str]:
    """The variables of the README's table under "## Configuration"."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE))


def test_the_reader_finds_every_way_a_variable_is_read():
    source = (
        'import os\nKEY = "NETSAFE_K"\n'
        'a = os.environ.get("NETSAFE_A", "1")\nb = os.environ["NETSAFE_B"]\n'
        'c = os.getenv(KEY)\nd = _whole_number("NETSAFE_D", "0")\n'
        'os.environ.setdefault("NETSAFE_SET", "x")\n'
    )
    assert environment_reads(source, READERS) == {
        "NETSAFE_A",
        "NETSAFE_B",
        "NETSAFE_K",
        "NETSAFE_D",
    }
    assert "NETSAFE_D" not in environment_reads(source)


def test_every_environment_variable_read_is_in_the_readme_settings_table():
    read = {}
    for path in SRC.rglob("*.py"):
        readers = READERS if path == SETTINGS else frozenset()
        for name in environment_reads(path.read_text(encoding="utf-8"), readers) - NOT_SETTINGS:
            read.setdefault(name, str(path.relative_to(SRC)))
    assert "NETSAFE_SECRET_KEY" in read  # the reader sees web/settings.py
    documented = settings_table()
    missing = {name: where for name, where in read.items() if name not in documented}
    assert missing == {}, "add these to the README's settings table"
    # And the table documents nothing that is no longer read.
    assert documented - set(read) == set()


def _commands():
    cli._register([])  # every area's commands, as for `netsafe --help`
    root = typer.main.get_command(cli.app)

    def walk(command, path: tuple[str, ...]):
        yield path, command
        # A group of sub-commands (typer's own click: not an instance of click.Group).
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, (*path, name))

    return [(" ".join(path), command) for path, command in walk(root, ()) if path]


COMMANDS = _commands()


def test_the_command_tree_is_read():
    names = {name for name, _command in COMMANDS}
    assert {"serve", "demo", "triage scan", "returns import", "stats", "audit verify"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _c in COMMANDS])
def test_every_command_is_in_the_readme_and_explains_itself(name, command):
    assert f"netsafe {name}" in README
    assert (command.help or "").strip(), f"netsafe {name} has no help"
    unexplained = [
        param.name
        for param in command.params
        if not (getattr(param, "help", None) or "").strip() and not param.hidden
    ]
    assert unexplained == [], f"netsafe {name}: options or arguments without help"


#: Rows whose "imports" cell names some areas and says the rest come on demand.
SOME_AREAS = ("every area", "areas on demand")


def areas_imported() -> dict[str, set[str]]:
    """Area (``triage``, ``cli``, ...) -> the other areas its modules import."""
    out: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        if module == "netsafe":
            continue
        area = module.split(".")[1]
        out.setdefault(area, set()).update(
            t.split(".")[1] for t in targets if t != "netsafe" and t.split(".")[1] != area
        )
    return out


def architecture_areas() -> dict[str, str]:
    """ARCHITECTURE.md's table of areas: area -> its "imports (areas)" cell."""
    rows = re.findall(r"^\| `([a-z_]+)(?:/|\.py)` \|[^|\n]*\|([^|\n]*)\|$", ARCHITECTURE, re.M)
    return {area: cell.strip() for area, cell in rows}


def test_the_architecture_table_names_every_area_and_what_it_imports():
    imported, table = areas_imported(), architecture_areas()
    assert {"triage", "cli", "stats", "small_numbers"} <= set(table)  # the table is read
    assert set(table) == set(imported), "one row per package or module of netsafe"
    wrong = {}
    for area, cell in table.items():
        named = {word for word in re.findall(r"[a-z_]+", cell) if word in imported}
        some = any(phrase in cell for phrase in SOME_AREAS)
        if not (named <= imported[area] if some else named == imported[area]):
            wrong[area] = (sorted(named), sorted(imported[area]))
    assert wrong == {}, "area: (what the table says it imports, what the code imports)"
