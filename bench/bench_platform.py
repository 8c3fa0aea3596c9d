"""Platform pages with 100 times the demo operation: p50 and p95, SQLite against PostgreSQL.

Each engine runs in its own process (the settings read the database from the
environment): SQLite in ``bench/out/platform-sqlite/``, PostgreSQL in the
database ``netsafe_bench`` on 127.0.0.1:5432 (user ``postgres``), created when
missing. The process loads the demo operation ``--scale`` times (copies that
are already there are skipped, so a second run starts measuring at once),
then requests the main pages through Django's test client, logged in as a
force officer and as the operation lead: the lists of referrals, subjects,
warrants and devices, a subject's page, a search, "My work" and the home page
with the operation's figures. Every request is timed whole (middleware,
session, audit entries, template); the SQL statements of one request per page
are counted, which is where an N+1 shows.

    .venv/bin/python -m bench platform                              # scale 100, both engines
    .venv/bin/python -m bench platform -- --scale 5 --requests 10 --engines sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench.child import engine_env, run_child

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
COMMAND = "`.venv/bin/python -m bench platform` (or `make bench`)"
TARGET_MS = 100.0
PG_DATABASE = "netsafe_bench"
USERS = ("south-wales-officer", "operation-lead")
ENGINES = ("sqlite", "postgresql")
#: The home page with its figures counted on every view (NETSAFE_FIGURES_SECONDS=0);
#: "home (figures)" is as served, counted at most every 30 seconds.
COUNTED_HOME = "home (figures counted each view)"


def parse(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench platform")
    parser.add_argument("--scale", type=int, default=100, help="copies of the demo operation")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    return parser.parse_args(args)


def main(args: list[str]) -> str:
    opts = parse(args)
    results = {}
    for engine in opts.engines:
        print(f"-- {engine}: loading scale {opts.scale} and measuring", flush=True)
        arg = json.dumps({"scale": opts.scale, "requests": opts.requests})
        env = engine_env(engine, "platform", PG_DATABASE, fresh=False)
        env["NETSAFE_REQUEST_LOG"] = "0"  # a line per request would measure the terminal
        env["NETSAFE_FIGURES_SECONDS"] = "30"  # as served (NETSAFE_ENV=test would count each view)
        results[engine] = run_child("bench.bench_platform", arg, env, engine)
    return report(opts, results)


# --- The measuring process ----------------------------------------------------------


def pages(user) -> list[tuple[str, list[str]]]:
    """(page, URLs to request in turn) for ``user``: lists, a subject, search, My work, home."""
    from django.urls import reverse

    from netsafe.casework import models as m

    subjects = m.Subject.objects.visible_to(user)
    total = subjects.count()
    step = max(1, total // 40)
    ids = list(subjects.order_by("pk").values_list("pk", flat=True)[::step][:40])
    names = list(subjects.order_by("pk").values_list("family_name", flat=True)[::step][:40])
    out = [
        (f"{label} list", [reverse(f"casework:{name}-list")])
        for label, name in (
            ("referrals", "referral"),
            ("subjects", "subject"),
            ("warrants", "warrant"),
            ("devices", "device"),
        )
    ]
    out += [
        ("subject page", [reverse("casework:subject-detail", args=[pk]) for pk in ids]),
        ("subject search", [f"{reverse('casework:subject-list')}?q={n}" for n in names]),
        ("my work", [reverse("casework:my-work")]),
        ("home (figures)", [reverse("casework:home")]),
        (COUNTED_HOME, [reverse("casework:home")]),
    ]
    return out


def _backend_cpu(connection) -> tuple[int | None, float]:
    """The PostgreSQL server process serving ``connection`` and its CPU seconds so far.

    (None, 0) on SQLite, whose work is done in this process, and when the server
    runs elsewhere (no /proc entry to read).
    """
    if connection.vendor != "postgresql":
        return None, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None, 0.0
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client, urls: list[str], requests: int) -> dict:
    from django.db import connection

    for url in urls[:3]:  # warm caches and connections
        assert client.get(url).status_code == 200, url
    # Counted and timed by a wrapper: the query log is emptied at the start of every request.
    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get(urls[0])
    slowest = max(queries)
    times = []
    # CPU time, unlike wall time, hardly moves with other work on the machine: this
    # process (Django, and SQLite's work) plus the PostgreSQL server process serving it.
    backend, backend_before = _backend_cpu(connection)
    cpu_before = time.process_time()
    for i in range(requests):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    cpu = time.process_time() - cpu_before
    backend_after, backend_now = _backend_cpu(connection)
    db_cpu = backend_now - backend_before if backend and backend == backend_after else None
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "queries": len(queries),
        "cpu_ms": (cpu + (db_cpu or 0.0)) * 1000 / requests,
        "db_cpu_ms": None if db_cpu is None else db_cpu * 1000 / requests,
        "sql_ms": sum(ms for ms, _ in queries),
        "slowest_ms": slowest[0],
        "slowest": shorten(slowest[1]),
    }


def shorten(sql: str) -> str:
    """The statement without its column list, on one line, at most 200 characters."""
    sql = re.sub(r"^SELECT (?!COUNT).*? FROM ", "SELECT ... FROM ", " ".join(sql.split()))
    return sql.replace('"', "")[:200]


def child(opts: dict) -> dict:
    from netsafe.cli import django_setup

    django_setup(migrate=True)
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from netsafe.accounts.models import User
    from netsafe.casework import models as m
    from netsafe.demo.loading import load

    started = time.perf_counter()
    summary = load(scale=opts["scale"], stdout=sys.stderr, prevention=False)
    loaded = time.perf_counter() - started
    # Fresh planner statistics on both engines: a migration that adds an index or
    # rebuilds a table leaves SQLite without any for it, and SQLite then chose to
    # sort every warrant for the lead's list (840 ms) instead of reading an index.
    # PostgreSQL is vacuumed too, as its autovacuum would have done after the load
    # (since version 13 it vacuums after inserts as well): the test server has
    # autovacuum off (conf.d/90-ci.conf), and a table no vacuum has seen has no
    # visibility map, so every count read from an index also fetched each row from
    # the table (the 63,000 devices awaiting triage: 50 ms instead of 12 ms).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    out = {
        "vendor": connection.vendor,
        "load_s": loaded,
        "created": sum(summary["created"].values()),
        "rows": {
            "referrals": m.Referral.objects.count(),
            "subjects": m.Subject.objects.count(),
            "devices": m.Device.objects.count(),
            "custody": m.CustodyEvent.objects.count(),
        },
        "pages": {},
    }
    out["load_average"] = [os.getloadavg()[0]]
    for username in USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for page, urls in pages(user):
            seconds = 0 if page == COUNTED_HOME else settings.NETSAFE_FIGURES_SECONDS
            with override_settings(NETSAFE_FIGURES_SECONDS=seconds):
                result = measure(client, urls, opts["requests"])
            out["pages"].setdefault(page, {})[username] = result
            print(f"{username} {page}: {out['pages'][page][username]}", file=sys.stderr)
    out["load_average"].append(os.getloadavg()[0])
    return out


# --- The report ---------------------------------------------------------------------


def report(opts: argparse.Namespace, results: dict) -> str:
    engines = list(results)
    first = results[engines[0]]
    rows = first["rows"]
    lines = [
        "## Platform: main pages with 100 times the demo operation",
        "",
        f"Command: {COMMAND}. Scale {opts.scale}: {rows['referrals']:,} referrals, "
        f"{rows['subjects']:,} subjects, {rows['devices']:,} devices, "
        f"{rows['custody']:,} custody hand-overs. Django test client, {opts.requests} timed "
        f"requests per page and user after 3 warm-up requests; target p95 < {TARGET_MS:.0f} ms "
        "(the ratio is p95 / target: under 1 meets it). CPU = CPU time per request, of this "
        "process (Django, and SQLite's work) and of the PostgreSQL server process serving it "
        "(unlike wall time, it hardly moves with other work on the machine). SQL = statements "
        "in one request. `home (figures)` is the home page as served, its figures counted at "
        f"most every 30 s (`NETSAFE_FIGURES_SECONDS`); `{COUNTED_HOME}` counts them on "
        "every request.",
        "",
    ]
    loads = ", ".join(
        f"{e} {results[e]['load_s']:.0f} s ({results[e]['created']:,} records written)"
        for e in engines
    )
    lines.append(
        f"Loading (copies already present are skipped, so 0 written is a check): {loads}. "
        "Then ANALYZE on both engines, and on PostgreSQL VACUUM as well, as its autovacuum "
        "would have done after the load (the test server runs with autovacuum off)."
    )
    busy = ", ".join(
        f"{e} {results[e]['load_average'][0]:.1f} to {results[e]['load_average'][1]:.1f}"
        for e in engines
    )
    lines.append(
        f"Machine: {os.cpu_count()} cores; load average (1 min) at the start and end of the "
        f"measurements: {busy}. Other work on the machine slows every page alike; the SQL "
        "time below says how much of a page is the database."
    )
    lines.append("")
    header = "| page | user |"
    rule = "|---|---|"
    for e in engines:
        header += f" {e} p50 | {e} p95 | ratio | CPU | SQL |"
        rule += "---|---|---|---|---|"
    lines += [header, rule]
    worst = {e: (0.0, "") for e in engines}
    for page in first["pages"]:
        for user in USERS:
            row = f"| {page} | {user} |"
            for e in engines:
                r = results[e]["pages"][page][user]
                row += f" {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['p95'] / TARGET_MS:.2f} |"
                row += f" {r['cpu_ms']:.1f} ms | {r['queries']} |"
                if r["p95"] > worst[e][0]:
                    worst[e] = (r["p95"], f"{page}, {user}")
            lines.append(row)
    lines.append("")
    for e in engines:
        p95, where = worst[e]
        verdict = "meets" if p95 < TARGET_MS else "misses"
        lines.append(
            f"- {e}: slowest p95 {p95:.1f} ms ({where}), {p95 / TARGET_MS:.2f} of the target: "
            f"{verdict} it."
        )
    lines += [
        "",
        "Where the time goes when a page misses the target: SQL time of one request, and its",
    ]
    lines += [
        "slowest statement.",
        "",
        "| page | user | engine | p95 | SQL time | slowest statement |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for page in first["pages"]:
        for user in USERS:
            for e in engines:
                r = results[e]["pages"][page][user]
                if r["p95"] >= TARGET_MS:
                    statement = r["slowest"].replace("|", "/")
                    lines.append(
                        f"| {page} | {user} | {e} | {r['p95']:.0f} ms | {r['sql_ms']:.0f} ms | "
                        f"{r['slowest_ms']:.0f} ms: `{statement}` |"
                    )
    lines.append("")
    if len(engines) == 2:
        a, b = engines
        ratios = [
            results[b]["pages"][p][u]["p95"] / results[a]["pages"][p][u]["p95"]
            for p in first["pages"]
            for u in USERS
        ]
        lines.append(
            f"- {b} p95 / {a} p95, median over the pages: {statistics.median(ratios):.2f}."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2]))))
    else:
        print(main(sys.argv[1:]))
