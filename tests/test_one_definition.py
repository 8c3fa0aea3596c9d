"""One definition of each domain thing: its value is written in one module, and every
other module names it, so that changing it is one edit (issue 18).

Read from the source with ``ast``, docstrings left out (prose may quote a value):

- the domain words below are written as a string, and the lists of them as a
  list, in their own module only;
- a PDQ quality or a match distance is compared with, or passed as, its named
  threshold (``MIN_QUALITY``, ``DEFAULT_MAX_DISTANCE``), never the same number
  written again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from netsafe.triage.pdq.fast import MIN_QUALITY
from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE

SRC = Path(__file__).resolve().parents[1] / "src"

#: Domain word -> the one module that writes it (and the name it has there).
DEFINED_ONCE = {
    "<10": "netsafe/small_numbers.py",  # SUPPRESSED: how a small count is written
    "[c]": "netsafe/stats/disclosure.py",  # COMPLEMENTARY: a cell withheld for another
    "non-pertinent": "netsafe/triage/hashset.py",  # NON_PERTINENT: VICS category 0
}
#: A list of domain words -> the one module that writes it out. Django code derives
#: the UK categories from examination's ``Grade`` (whose values they are); the triage
#: library, which never imports Django, has ``report_html.UK_CATEGORIES``.
LISTED_ONCE = {("A", "B", "C"): "netsafe/triage/report_html.py"}
#: A word in a variable's name -> the value of the named threshold for it, which no
#: comparison, argument or default beside that name may write as a bare number.
THRESHOLDS = {"quality": MIN_QUALITY, "distance": DEFAULT_MAX_DISTANCE}


def _sources() -> dict[str, ast.Module]:
    return {
        path.relative_to(SRC).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((SRC / "netsafe").rglob("*.py"))
        if "migrations" not in path.parts
    }


SOURCES = _sources()


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of the module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def strings_written(tree: ast.Module) -> dict[str, int]:
    """Every string constant of the code (not a docstring) -> the line it is first on."""
    skip = _docstrings(tree)
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found.setdefault(node.value, node.lineno)
    return found


def lists_written(tree: ast.Module) -> dict[tuple[str, ...], int]:
    """Every tuple, list or set of string constants -> the line it is first on."""
    found: dict[tuple[str, ...], int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts:
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(words) == len(node.elts) and all(isinstance(w, str) for w in words):
                found.setdefault(tuple(words), node.lineno)
    return found


def _threshold(name: str) -> int | None:
    """The named threshold a variable called ``name`` is compared with, if any."""
    return next((value for word, value in THRESHOLDS.items() if word in name.lower()), None)


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _is(node: ast.expr | None, value: int | None) -> bool:
    return value is not None and isinstance(node, ast.Constant) and node.value == value


def bare_thresholds(tree: ast.Module) -> list[int]:
    """Lines where a quality or distance is compared with, given or defaulted to the
    value of its named threshold written as a number."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            values = {_threshold(_name(o)) for o in operands} - {None}
            if any(_is(o, v) for o in operands for v in values):
                lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg:
            if _is(node.value, _threshold(node.arg)):
                lines.append(node.value.lineno)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            pairs = [
                *zip(
                    positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
                ),
                *zip(args.kwonlyargs, args.kw_defaults, strict=True),
            ]
            lines += [d.lineno for a, d in pairs if d is not None and _is(d, _threshold(a.arg))]
    return sorted(lines)


def test_the_readers_see_what_they_look_for():
    source = (
        '"""A docstring may say <10 and non-pertinent."""\n'
        'SUPPRESSED = "<10"\n'
        "def f(max_distance=31, *, min_quality=50, size=31):\n"
        '    """Distance 31."""\n'
        "    if quality >= 50 or frame.pdq_quality < MIN_QUALITY or distance > 256:\n"
        "        return search(hashes, max_distance=31, near_distance=24)\n"
        "    return img.save(buf, quality=80) and quality > 0\n"
    )
    tree = ast.parse(source)
    assert strings_written(tree) == {"<10": 2}
    assert lists_written(ast.parse("x = [1, 'A']\nfor c in ('A', 'B', 'C'): pass\n")) == {
        ("A", "B", "C"): 2
    }
    assert bare_thresholds(tree) == [3, 3, 5, 6]


def written_elsewhere(defined: dict, reader) -> dict:
    """For each value of ``defined`` (value -> its module): where ``reader`` finds it
    written in another module. Fails if the module itself no longer writes it."""
    assert all(reader(SOURCES[home]).get(value) for value, home in defined.items())
    return {
        value: [
            f"{path}:{line}"
            for path, tree in SOURCES.items()
            if path != home and (line := reader(tree).get(value))
        ]
        for value, home in defined.items()
    }


@pytest.mark.parametrize(
    ("defined", "reader"),
    [(DEFINED_ONCE, strings_written), (LISTED_ONCE, lists_written)],
    ids=["words", "lists of words"],
)
def test_each_domain_word_is_written_in_its_own_module_only(defined, reader):
    elsewhere = written_elsewhere(defined, reader)
    assert elsewhere == {value: [] for value in defined}, "import its name instead"


def test_quality_and_distance_thresholds_are_named_not_written_as_numbers():
    found = {path: lines for path, tree in SOURCES.items() if (lines := bare_thresholds(tree))}
    assert found == {}, "use MIN_QUALITY, DEFAULT_MAX_DISTANCE or a named constant"
