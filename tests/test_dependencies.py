"""The run-time dependencies are what ``src/`` uses: nothing missing, nothing only tests need.

A package that only the tests or the benchmarks import (faiss-cpu, the peer the PDQ
index is checked against) belongs in ``[dev]``: every installation of the
application would otherwise carry it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "netsafe"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: Run-time dependencies that Django or another dependency loads by the name the settings
#: give (database engine, cache backend, middleware, app), and dask, imported through
#: its ``[distributed]`` extra's package.
LOADED_BY_NAME = {
    "psycopg": "django.db.backends.postgresql",
    "redis": "django.core.cache.backends.redis.RedisCache",
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware",
    "drf-spectacular-sidecar": "drf_spectacular_sidecar",
    "dask": "from distributed import",
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0]).lower()


def declared(group: list[str]) -> set[str]:
    return {_name(r) for r in group}


def imported_distributions() -> dict[str, str]:
    """Distribution -> a module of src/ importing it, for every third-party import."""
    by_module = packages_distributions()
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top == "netsafe":
                    continue
                for dist in by_module.get(top, [top]):
                    found.setdefault(_name(dist), str(path.relative_to(SRC)))
    return found


def with_their_requirements(names: set[str]) -> set[str]:
    """``names`` and what each of them requires (any extra), one level down."""
    out = set(names)
    for name in names:
        out.update(_name(r) for r in requires(name) or [])
    return out


def test_everything_src_imports_is_a_run_time_dependency():
    runtime = with_their_requirements(declared(PROJECT["dependencies"]))
    missing = {d: where for d, where in imported_distributions().items() if d not in runtime}
    assert missing == {}


def test_every_run_time_dependency_is_used_by_src():
    settings = (SRC / "web" / "settings.py").read_text(encoding="utf-8")
    scan = (SRC / "triage" / "scan.py").read_text(encoding="utf-8")
    for name, how in LOADED_BY_NAME.items():
        assert how in settings + scan, (name, how)
    unused = declared(PROJECT["dependencies"]) - set(imported_distributions()) - set(LOADED_BY_NAME)
    assert unused == set(), "only tests or benchmarks use these: move them to [dev]"
    assert "faiss-cpu" in declared(PROJECT["optional-dependencies"]["dev"])
