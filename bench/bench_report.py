"""report.html for a device with 100,000 matched-or-not rows, and thumbnails at report time.

1. A synthetic files.jsonl of 100,000 rows (a third matched, in categories A, B, C and
   uncategorised) with its report.json, as ``tests/triage/test_report_pages.py`` builds
   it: ``write_report_html`` (report.html and every page of matched files, no
   thumbnails) against the floor of reading the same files.jsonl with ``json.loads``.
2. A folder of generated photos, every one in the hash set: ``netsafe triage report``
   with thumbnails (each picture read back from the evidence and made small) against
   the same command with ``--no-thumbnails``.

    .venv/bin/python -m bench report
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netsafe.triage.report_html import PAGE_ROWS, PAGES_DIR, write_report_html

NETSAFE = Path(sys.executable).with_name("netsafe")
ROWS = 100_000
PICTURES = 300


def _best(fn, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _run(*args: str | Path) -> None:
    proc = subprocess.run([str(NETSAFE), "triage", *map(str, args)], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])


def main(args: list[str]) -> str:
    from tests.triage.conftest import jpeg_bytes, photo, write_tree
    from tests.triage.test_report_pages import synthetic_scan

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "big"
        report = synthetic_scan(out, ROWS)
        jsonl = out / "files.jsonl"

        def floor() -> None:
            with open(jsonl, encoding="utf-8") as fh:
                for line in fh:
                    json.loads(line)

        t_floor = _best(floor)
        t_render = _best(lambda: write_report_html(out, report))
        pages = sorted((out / PAGES_DIR).glob("*.html"))
        largest = max(p.stat().st_size for p in pages)
        index = (out / "report.html").stat().st_size

        files = {f"DCIM/{n:04d}.jpg": jpeg_bytes(photo(n)) for n in range(PICTURES)}
        ev = write_tree(work / "ev", files)
        sets = work / "set.csv"
        sets.write_text(
            "md5,category\n" + "".join(f"{hashlib.md5(b).hexdigest()},A\n" for b in files.values())
        )
        scan = work / "scan"
        _run("scan", ev, "--out", scan, "--hashset", sets, "--workers", "1")

        def with_thumbnails() -> None:
            shutil.rmtree(scan / PAGES_DIR, ignore_errors=True)
            _run("report", scan)

        t_thumbs = _best(with_thumbnails)
        t_plain = _best(lambda: _run("report", scan, "--no-thumbnails"))
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "## Report: 100,000 rows and thumbnails (`bench/bench_report.py`)",
            "",
            f"Load average at the end: {load:.1f}. Best of 3.",
            "",
            "| What | Time | Peer | Ratio |",
            "|---|---|---|---|",
            f"| report.html + {len(pages)} pages for {ROWS:,} rows | {t_render:.2f} s "
            f"| reading files.jsonl with json.loads {t_floor:.2f} s | {t_render / t_floor:.1f} |",
            f"| `triage report` with {PICTURES} thumbnails | {t_thumbs:.2f} s "
            f"| `--no-thumbnails` {t_plain:.2f} s | {t_thumbs / t_plain:.1f} |",
            "",
            f"Largest page {largest / 1024:.0f} KiB, report.html {index / 1024:.0f} KiB "
            f"({PAGE_ROWS} matched files a page, every page linked from report.html).",
        ]
    )
