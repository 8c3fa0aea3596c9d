"""Run the benchmarks and rebuild ``bench/RESULTS.md``.

Every ``bench/bench_*.py`` module has ``main(args: list[str]) -> str`` that runs
its measurements (each against a peer in the same run, reported as ratios)
and returns a Markdown section that names the command that produced it. The
section is kept in ``bench/results/NAME.md`` so that running one benchmark
does not lose the others' results; RESULTS.md is those sections joined.

    python -m bench                 # every benchmark
    python -m bench triage pdq      # only bench_triage.py and bench_pdq.py
    python -m bench pdq -- --quick  # arguments after -- go to the benchmarks
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names, extra = argv, []
    if "--" in argv:
        i = argv.index("--")
        names, extra = argv[:i], argv[i + 1 :]
    names = names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(available())}")
        return 2
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        print(f"== {name}", flush=True)
        started = time.time()
        module = importlib.import_module(f"bench.bench_{name}")
        section = module.main(extra)
        (RESULTS / f"{name}.md").write_text(section.rstrip() + "\n", encoding="utf-8")
        print(f"== {name} done in {time.time() - started:.0f} s", flush=True)
    write_results()
    return 0


def write_results() -> None:
    py = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{platform.machine()}, {py}"
    parts = [
        "# Benchmark results\n",
        "Written by `make bench` (`python -m bench`). Every figure is measured against a "
        "peer in the same run and given as a ratio, so the machine's speed cancels out. "
        f"Last machine: {machine}.\n",
    ]
    parts += [p.read_text(encoding="utf-8") for p in sorted(RESULTS.glob("*.md"))]
    (HERE / "RESULTS.md").write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
