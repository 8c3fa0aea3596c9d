"""Compile the source tree to bytecode before timing whole processes, as installing does.

``pip install`` writes every module's ``.pyc``; a process started from the source tree
with ``PYTHONDONTWRITEBYTECODE`` set (as on the shared development machine) compiles
each netsafe module from source again, about 0.3 CPU-seconds a process, which would
be counted as start-up that no installed copy pays.
"""

from __future__ import annotations

import compileall
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def compile_source() -> None:
    """Write the ``__pycache__`` of every module under ``src/`` (quietly)."""
    compileall.compile_dir(SRC, quiet=1)
