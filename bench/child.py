"""Running a benchmark's measurement in a process of its own.

The settings read the database from the environment, so each engine is measured
in a child process started with that engine's environment; the child prints its
results as JSON on its last line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def engine_env(engine: str, folder: str, database: str, *, fresh: bool) -> dict[str, str]:
    """The environment of a child that measures ``engine`` (``sqlite`` or ``postgresql``):
    its own folder ``bench/out/FOLDER-ENGINE`` and, on PostgreSQL, ``DATABASE``.
    ``fresh`` empties both first; otherwise what an earlier run loaded is kept."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NETSAFE_VAR")}
    env.pop("PREVENTION_DATABASE_URL", None)
    var = OUT / f"{folder}-{engine}"
    if fresh:
        shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True, exist_ok=True)
    env.update(NETSAFE_VAR=str(var), NETSAFE_ENV="test", NETSAFE_AXES="0")
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"{PG_SERVER}/{database}"
    return env


def run_child(module: str, arg: str, env: dict[str, str], label: str) -> dict:
    """Run ``python -m MODULE --child ARG`` with ``env``; its last line of output, parsed."""
    proc = subprocess.run(
        [sys.executable, "-m", module, "--child", arg],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"the {label} measurement failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])
