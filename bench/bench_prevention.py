"""Prevention: what anonymous visit counting and the disclosure-controlled interface cost.

Two measurements, each against a peer in the same run:

1. A public self-help page served with anonymous counting (a new visitor on
   every request, the worst case: two salted HMACs, two cache adds and two
   counter updates) against the same page with counting switched off.
2. ``help_seeking(by="month")`` for the 24 months of the demo: the first
   release (true counts, secondary-suppression checks, writing the release
   register) and later answers (read back from the register) against the bare
   uncontrolled count of the same cells.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from unittest import mock

COMMAND = "`.venv/bin/python -m bench prevention` (or `make bench`)"


def _setup() -> None:
    os.environ["NETSAFE_VAR"] = tempfile.mkdtemp(prefix="netsafe-bench-prevention-")
    os.environ.setdefault("NETSAFE_ENV", "test")
    os.environ.setdefault("NETSAFE_AXES", "0")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("PREVENTION_DATABASE_URL", None)
    from netsafe.cli import django_setup

    django_setup(migrate=True)


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - started)
    return times


def _page_views(repeat: int) -> tuple[list[float], list[float], list[float]]:
    from django.test import Client

    client = Client()
    path = "/help/your-behaviour/habits-and-triggers/"

    def view(i: int) -> None:
        agent = f"Mozilla/5.0 bench-visitor-{i}-{time.perf_counter_ns()}"
        response = client.get(path, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT=agent)
        assert response.status_code == 200, response.status_code

    def revisit(i: int) -> None:
        response = client.get(path, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="bench-regular")
        assert response.status_code == 200, response.status_code

    view(0)  # warm templates and the database connection
    counted = _timed(view, repeat)
    seen = _timed(revisit, repeat)
    with mock.patch("netsafe.prevention.public_views.count_visit", return_value=False):
        plain = _timed(view, repeat)
    return counted, seen, plain


def _aggregates() -> tuple[float, list[float], float]:
    from netsafe.prevention import demo
    from netsafe.prevention.aggregates import help_seeking
    from netsafe.prevention.counts import true_count
    from netsafe.prevention.models import Release
    from netsafe.prevention.periods import add_months, month_end

    demo.load("bench-password-not-secret")
    Release.objects.all().delete()
    start, end = demo.BEFORE[0], demo.AFTER[1]

    began = time.perf_counter()
    help_seeking("wales", start, end, by="month")
    first = time.perf_counter() - began
    later = _timed(lambda i: help_seeking("wales", start, end, by="month"), 20)

    began = time.perf_counter()
    month = start
    while month <= end:
        true_count("wales", month, month_end(month), "month")
        month = add_months(month, 1)
    bare = time.perf_counter() - began
    return first, later, bare


def main(args: list[str]) -> str:
    """Run both measurements and return the Markdown section."""
    repeat = 50 if "--quick" in args else 300
    _setup()
    counted, seen, plain = _page_views(repeat)
    first, later, bare = _aggregates()

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    c_med, p_med = statistics.median(counted), statistics.median(plain)
    s_med = statistics.median(seen)
    c_p95 = statistics.quantiles(counted, n=20)[18]
    p_p95 = statistics.quantiles(plain, n=20)[18]
    l_med = statistics.median(later)
    return "\n".join(
        [
            "## Prevention: anonymous counting and the aggregate interface",
            "",
            f"Command: {COMMAND}. SQLite, Django test client, {repeat} requests each.",
            "",
            "| measurement | with | peer | ratio |",
            "|---|---|---|---|",
            f"| self-help page, median (counting a new visitor vs no counting) | {ms(c_med)} "
            f"| {ms(p_med)} | {c_med / p_med:.2f}x |",
            f"| self-help page, p95 | {ms(c_p95)} | {ms(p_p95)} | {c_p95 / p_p95:.2f}x |",
            f"| self-help page, median (visitor already counted today vs no counting) "
            f"| {ms(s_med)} | {ms(p_med)} | {s_med / p_med:.2f}x |",
            f"| 24 monthly cells, first release vs bare true counts | {ms(first)} "
            f"| {ms(bare)} | {first / bare:.2f}x |",
            f"| 24 monthly cells, released again (median of 20) vs bare true counts "
            f"| {ms(l_med)} | {ms(bare)} | {l_med / bare:.2f}x |",
            "",
            "Counting a new visitor is two salted HMACs, two cache adds and one database "
            "transaction updating the day's and the month's counters; on SQLite its cost is "
            "almost all the commit (a journal sync), so a busy site wants WAL mode or "
            "PostgreSQL. A visitor already counted today costs the HMACs and cache "
            "look-ups only. The first release of a month also counts its counting year "
            "for the differencing check; later answers read the release register.",
        ]
    )
