"""``netsafe triage`` imports what the command being run uses, and nothing else: every
scan, and every script that runs one, pays its start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Never needed by a scan of a folder on this machine: the web app, a Dask cluster
#: (--scheduler), the PDQ index's kernels (no hash set), FFmpeg (no video), worker
#: processes (a small folder is scanned inline).
NOT_FOR_A_SMALL_SCAN = ("django", "dask", "distributed", "numba", "av", "multiprocessing")
#: The scan's own stack, which --help and the commands that only read a finished scan's
#: files need not load.
SCAN_STACK = ("numpy", "PIL", "magic", "rich.progress", "pdqhash", "netsafe.triage.scan")


def imported(*args: str | Path) -> set[str]:
    """The modules ``python -m netsafe.cli ARGS`` imports (``-X importtime``)."""
    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "netsafe.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in modules or any(m.startswith(f"{n}.") for m in modules))


def test_the_scan_of_a_small_folder_imports_no_pool_cluster_or_web_app(tmp_path):
    folder = tmp_path / "five"
    folder.mkdir()
    for i in range(5):
        (folder / f"note_{i}.txt").write_text(f"benign note {i}\n" * (i + 1))
    modules = imported("triage", "scan", folder, "--out", tmp_path / "out")
    assert (tmp_path / "out" / "files.jsonl").is_file()
    assert "netsafe.triage.scan" in modules  # the reading works
    assert loaded(modules, NOT_FOR_A_SMALL_SCAN) == []


@pytest.mark.parametrize(
    "args",
    [("triage", "--help"), ("triage", "scan", "--help"), ("triage", "export-vics", "--help")],
    ids=["triage", "scan", "export-vics"],
)
def test_help_does_not_import_the_scan(args):
    modules = imported(*args)
    assert "netsafe.triage.cli" in modules
    assert loaded(modules, SCAN_STACK + NOT_FOR_A_SMALL_SCAN) == []


def test_the_help_shows_the_defaults_the_scan_applies():
    from netsafe.triage.carving import CarveLimits
    from netsafe.triage.pdq.index import DEFAULT_MAX_DISTANCE
    from netsafe.triage.sources.archive import Limits

    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "netsafe.cli", "triage", "scan", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    shown = " ".join(result.stdout.split())
    for option, value in (
        ("--max-distance", DEFAULT_MAX_DISTANCE),
        ("--archive-depth", Limits().max_depth),
        ("--archive-members", Limits().max_members),
        ("--carve-files", CarveLimits().max_files),
    ):
        assert option in shown
        assert f"[default: {value}]" in shown
