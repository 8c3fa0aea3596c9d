"""Running a benchmark's measurement in a process of its own.

The settings read the database from the environment, so each engine is measured
in a child process started with that engine's environment; the child prints its
results as JSON on its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
