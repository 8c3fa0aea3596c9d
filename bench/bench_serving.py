"""Serving an operation at load: signed-in users at once, and audited writers at once.

Two measurements on PostgreSQL (database ``netsafe_bench_serving``, or
``netsafe_bench_serving_xN`` at ``--scale N``, on ``--pg-server``; created and
loaded with the demo operation when missing, kept for the next run):

- **Load**: ``--users`` signed-in users at once (each a thread of this process
  with its own keep-alive connection and session), each looping over home,
  My work, the referral and subject lists, a subject search and a subject's
  page (a view of a subject is audited, so every loop writes to the chain) for
  ``--seconds``, against ``netsafe serve`` (gunicorn) and, for comparison,
  ``netsafe serve --dev`` (Django's development server). Requests/s,
  p50/p95/p99, errors (any answer but 200, or no answer), and the most
  PostgreSQL connections the database saw at once. Users are signed in
  before the clock starts (a session each, as after a log-in).
- **Audited writes**: ``--writers`` threads at once, each creating referrals
  (one audited creation per transaction, as one request) for ``--seconds``,
  against one writer alone: writes/s, errors, entries all present, chain
  verified.

Only loopback traffic; every run is bounded by ``--seconds``.

    .venv/bin/python -m bench serving
    .venv/bin/python -m bench serving -- --users 50 --seconds 20 --servers production
    .venv/bin/python -m bench serving -- --database mine --serve-args "--workers 3 --threads 4"
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
COMMAND = "`.venv/bin/python -m bench serving`"
SERVERS = {
    "production": ["serve"],  # gunicorn, default workers and threads
    "development": ["serve", "--dev"],  # Django's runserver
}


def parse(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench serving")
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of each server and number of users, in turn (the median run is shown)",
    )
    parser.add_argument("--scale", type=int, default=1, help="copies of the demo operation")
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument(
        "--serve-args",
        default="",
        help="more options for the production server's `netsafe serve` (--workers 3)",
    )
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--skip-writers", action="store_true")
    parser.add_argument(
        "--database",
        default="",
        help="PostgreSQL database (default: netsafe_bench_serving, _xN at --scale N)",
    )
    parser.add_argument(
        "--pg-server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server (a database of its own is created there)",
    )
    return parser.parse_args(args)


def database_env(opts: argparse.Namespace) -> dict[str, str]:
    """The environment of the servers and children: this run's PostgreSQL database."""
    import psycopg

    name = opts.database or "netsafe_bench_serving" + (f"_x{opts.scale}" if opts.scale > 1 else "")
    with psycopg.connect(f"{opts.pg_server}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    var = OUT / (opts.database or f"serving-x{opts.scale}")
    var.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NETSAFE_") and k not in {"DATABASE_URL", "PREVENTION_DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=f"{opts.pg_server}/{name}",
        NETSAFE_VAR=str(var),
        NETSAFE_ENV="test",  # the development secret on loopback, without debug pages
        NETSAFE_AXES="0",
        NETSAFE_REQUEST_LOG="0",  # thousands of lines a second would measure the terminal
        NETSAFE_FIGURES_SECONDS="30",  # as served (NETSAFE_ENV=test would count each view)
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    return env


def child_json(step: str, arg: dict, env: dict[str, str]) -> dict:
    """Run ``python -m bench.bench_serving --child STEP ARG``; its last line, parsed."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_serving", "--child", step, json.dumps(arg)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise RuntimeError(f"bench serving: the {step} step failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(args: list[str]) -> str:
    opts = parse(args)
    env = database_env(opts)
    print(f"-- preparing scale {opts.scale} and {max(opts.users)} sessions", flush=True)
    prepared = child_json("prepare", {"scale": opts.scale, "sessions": max(opts.users)}, env)
    results: dict = {"prepared": {k: v for k, v in prepared.items() if k != "sessions"}}
    results["load"] = {}
    runs: dict[str, list[dict]] = {}
    # Rounds in turn (every server and number of users, then again): the machine's speed
    # moves from minute to minute, and each run meets a different part of it.
    for n in range(opts.rounds):
        for server in opts.servers:
            for users in opts.users:
                key = f"{server}/{users}"
                print(f"-- round {n + 1}: {server} server, {users} users, {opts.seconds:.0f} s")
                extra = shlex.split(opts.serve_args) if server == "production" else []
                run = run_load(server, prepared["sessions"][:users], opts.seconds, env, extra)
                runs.setdefault(key, []).append(run)
                print(json.dumps(run), flush=True)
    for key, found in runs.items():
        by_p95 = sorted(found, key=lambda r: r["p95"])
        results["load"][key] = {
            **by_p95[(len(by_p95) - 1) // 2],
            "rounds": [[r["per_s"], r["p95"], r["errors"]] for r in found],
        }
    if not opts.skip_writers:
        results["writers"] = {}
        for writers in sorted({1, opts.writers}):
            print(f"-- {writers} audited writers, {opts.seconds:.0f} s", flush=True)
            results["writers"][writers] = child_json(
                "writers", {"writers": writers, "seconds": opts.seconds}, env
            )
            print(json.dumps(results["writers"][writers]), flush=True)
    (OUT / f"{opts.database or f'serving-x{opts.scale}'}.json").write_text(
        json.dumps(results, indent=1)
    )
    return with_other_scales(report(opts, results))


def with_other_scales(section: str) -> str:
    """``section`` and the kept sections of runs at other scales (one run per scale)."""
    kept = HERE / "results" / "serving.md"
    title = section.splitlines()[0]
    sections = [section.rstrip()]
    if kept.exists():
        for old in ("\n" + kept.read_text()).split("\n## ")[1:]:
            if "## " + old.splitlines()[0] != title:
                sections.append(("## " + old).rstrip())
    # The demo's size first, then the larger scales.
    sections.sort(key=lambda text: (" times the demo)" in text.splitlines()[0], text))
    return "\n\n".join(sections) + "\n"


# --- The load: servers and simulated users -------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not answer /healthz")


def _stop(server: subprocess.Popen) -> None:
    # Its own process group: the development server's reloader has a child too.
    try:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def _connections(
    env: dict[str, str],
    stop: threading.Event,
    peak: list[int],
    backends: dict[int, list[float]],
    looked: threading.Event,
) -> None:
    """Every half second until ``stop``: how many connections the run's database has, and
    the CPU seconds of each of its server processes (``backends``: pid -> [first, last])."""
    import psycopg

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        while True:
            last = stop.is_set()  # one more look after the run, for its last half second
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
                ).fetchall()
            ]
            peak[0] = max(peak[0], len(pids))
            for pid in pids:
                cpu = _process_cpu(pid)
                if cpu is not None:
                    backends.setdefault(pid, [cpu, cpu])[1] = cpu
            looked.set()
            if last:
                return
            stop.wait(0.5)


def _user(port: int, session: dict, until: float, times: list[float], errors: list[str]) -> None:
    headers = {"Cookie": f"sessionid={session['cookie']}", "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while time.monotonic() < until:
        url = session["urls"][i % len(session["urls"])]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            errors.append(f"{url}: {status}")
    conn.close()


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) of process ``pid`` so far, or None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """CPU seconds of process ``root`` and its descendants, live and reaped (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended while we looked
            # After the name: state, ppid, ... utime, stime, cutime, cstime (fields 14-17).
            stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return total / ticks


def _database_is_local(env: dict[str, str]) -> bool:
    """Whether the PostgreSQL server runs on this machine (its processes' CPU can be read)."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        return _process_cpu(pid) is not None


def run_load(
    server: str,
    sessions: list[dict],
    seconds: float,
    env: dict[str, str],
    extra: list[str] = (),  # type: ignore[assignment]
) -> dict:
    """``len(sessions)`` users at once against a fresh server of kind ``server``."""
    port = _free_port()
    netsafe = [sys.executable, "-m", "netsafe.cli", *SERVERS[server], *extra, "--port", str(port)]
    log = (OUT / f"serving-{server}.log").open("w")
    proc = subprocess.Popen(
        netsafe, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_until_up(port, proc)
        stop, looked, peak, backends = threading.Event(), threading.Event(), [0], {}
        local = _database_is_local(env)
        sampler = threading.Thread(
            target=_connections, args=(env, stop, peak, backends, looked), daemon=True
        )
        sampler.start()
        per_user: list[list[float]] = [[] for _ in sessions]
        errors: list[str] = []
        load_before = os.getloadavg()[0]
        # CPU used by the server and the database per request: unlike requests/s, it
        # does not depend on how much of the machine other work leaves free. The database's
        # share is that of the server processes of this run's database only: other
        # databases on a shared server (other people's tests) are not this server's work.
        looked.wait(30)  # the sampler's first look: the backends' CPU before the run
        cpu_before = _tree_cpu(proc.pid)
        client_before = time.process_time()
        started = time.monotonic()
        until = started + seconds
        users = [
            threading.Thread(target=_user, args=(port, s, until, per_user[n], errors))
            for n, s in enumerate(sessions)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join()
        elapsed = time.monotonic() - started
        client = time.process_time() - client_before
        cpu = _tree_cpu(proc.pid) - cpu_before
        stop.set()
        sampler.join()
        cpu += sum(last - first for first, last in backends.values())
    finally:
        _stop(proc)
        log.close()
    times = sorted(t for user in per_user for t in user)

    def pct(p: float) -> float:
        return times[min(len(times) - 1, max(0, round(p * len(times)) - 1))] if times else 0.0

    return {
        "requests": len(times),
        "per_s": len(times) / elapsed,
        "p50": statistics.median(times) if times else 0.0,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "peak_connections": peak[0],
        "cpu_ms_per_request": cpu * 1000 / len(times) if times and local else None,
        "client_cpu_ms_per_request": client * 1000 / len(times) if times else None,
        "load_average": [load_before, os.getloadavg()[0]],
    }


# --- The children: preparing the database, and the audited writers -------------------


def prepare(opts: dict) -> dict:
    """Load the demo (``scale`` copies) and sign in ``sessions`` users; their URLs."""
    from netsafe.cli import django_setup

    django_setup(migrate=True)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.urls import reverse

    from netsafe.accounts.models import User
    from netsafe.casework import models as m
    from netsafe.demo.loading import load
    from netsafe.demo.users import FORCES

    started = time.perf_counter()
    summary = load(scale=opts["scale"], stdout=sys.stderr, prevention=True)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # Officers and supervisors of every force, and the operation lead, in turn.
    names = [f"{force}-{role}" for force in FORCES for role in ("officer", "supervisor")]
    names.append("operation-lead")
    users = [User.objects.get(username=name) for name in names]
    urls_of = {}
    for user in users:
        subjects = m.Subject.objects.visible_to(user).order_by("pk")
        picked = list(subjects.values_list("pk", "family_name")[:: max(1, subjects.count() // 20)])
        urls_of[user.pk] = [
            reverse("casework:home"),
            reverse("casework:my-work"),
            reverse("casework:referral-list"),
            reverse("casework:subject-list"),
            *[f"{reverse('casework:subject-list')}?q={name}" for _, name in picked[:10]],
            *[reverse("casework:subject-detail", args=[pk]) for pk, _ in picked[:10]],
        ]
    sessions = []
    for n in range(opts["sessions"]):
        user = users[n % len(users)]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        # Interleave the pages so each user's loop visits each kind in turn.
        urls = urls_of[user.pk]
        fixed, searches, pages = urls[:4], urls[4:14], urls[14:]
        loop = []
        for i in range(max(len(searches), len(pages))):
            loop += fixed
            loop += [searches[(i + n) % len(searches)], pages[(i + n) % len(pages)]]
        sessions.append({"user": user.username, "cookie": store.session_key, "urls": loop})
    return {
        "load_s": loaded,
        "created": sum(summary["created"].values()),
        "rows": {
            "referrals": m.Referral.objects.count(),
            "subjects": m.Subject.objects.count(),
            "devices": m.Device.objects.count(),
        },
        "sessions": sessions,
    }


def writers(opts: dict) -> dict:
    """``writers`` threads creating referrals for ``seconds``: writes/s, errors, the chain."""
    from netsafe.cli import django_setup

    django_setup(migrate=False)
    from django.db import connections, transaction

    from netsafe.accounts.models import User
    from netsafe.audit import verify
    from netsafe.audit.context import audit_context
    from netsafe.audit.models import AuditEntry
    from netsafe.casework import models as m
    from netsafe.casework.choices import Source

    users = list(User.objects.filter(username__endswith="-officer").select_related("force"))
    before = AuditEntry.objects.filter(model="casework.referral", action="create").count()
    start = threading.Barrier(opts["writers"] + 1)
    done, errors = [0] * opts["writers"], []

    def writer(n: int) -> None:
        user = users[n % len(users)]
        try:
            start.wait()
            while time.monotonic() < until:
                with (
                    audit_context(user=user, actor="web: POST /casework/referrals/new/"),
                    transaction.atomic(),
                ):
                    m.Referral.objects.create(
                        force=user.force, source=Source.NCA_CEOP, package_ref=f"BENCH-{n}"
                    )
                done[n] += 1
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(opts["writers"])]
    for thread in threads:
        thread.start()
    until = time.monotonic() + opts["seconds"]
    started = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = AuditEntry.objects.filter(model="casework.referral", action="create").count()
    checked = verify()
    return {
        "writers": opts["writers"],
        "writes": sum(done),
        "per_s": sum(done) / elapsed,
        "errors": len(errors),
        "error_examples": errors[:3],
        "entries_present": after - before == sum(done),
        "chain_ok": checked.ok,
        "chain_checked": checked.checked,
        "load_average": os.getloadavg()[0],
    }


# --- The report ---------------------------------------------------------------------


def _cpu(r: dict) -> str:
    return f"{r['cpu_ms_per_request']:.0f}" if r.get("cpu_ms_per_request") else "-"


def _production(opts: argparse.Namespace) -> str:
    """The production server as the runs had it: gunicorn's workers, threads, connections."""
    from netsafe.web.serving import ServerOptions, default_workers

    extra = shlex.split(opts.serve_args)

    def given(flag: str, default: int) -> int:
        return int(extra[extra.index(flag) + 1]) if flag in extra else default

    workers = given("--workers", 0) or default_workers()
    threads = given("--threads", ServerOptions.threads)
    if threads == 1:
        shape = f"{workers} sync workers, one request each"
    else:
        shape = f"{workers} workers x {threads} threads"
    return (
        f"gunicorn, {shape}: at most {workers * threads} connections per database, none kept alive"
    )


def _ours(results: dict) -> list[str]:
    return [k for k in results["load"] if k.startswith("production/")]


def report(opts: argparse.Namespace, results: dict) -> str:
    rows = results["prepared"]["rows"]
    lines = [
        "## Serving: signed-in users at once, and audited writers at once"
        + (f" ({opts.scale} times the demo)" if opts.scale > 1 else ""),
        "",
        f"Command: {COMMAND} (`-- --users {' '.join(map(str, opts.users))} --seconds "
        f"{opts.seconds:.0f} --scale {opts.scale} --pg-server {opts.pg_server}`; a PostgreSQL "
        "server started for the run keeps the development server's connections from "
        "starving other work on a shared one). PostgreSQL, the demo operation x"
        f"{opts.scale}: {rows['referrals']:,} referrals, {rows['subjects']:,} subjects, "
        f"{rows['devices']:,} devices. Each user is a thread of the load client (on the "
        "same 2 cores as the server and the database) with its own keep-alive connection "
        "and session, looping without pause over home, My work, the referral and subject "
        "lists, a subject search and a subject's page (audited). `production` is "
        f"`netsafe serve` ({_production(opts)}); `development` is "
        "`netsafe serve --dev` (Django's "
        "runserver, a thread and a connection per request). Errors: any answer but 200, "
        f"or none. Targets: 0 errors, p95 < 500 ms at 50 users. Each server and number of "
        f"users ran {opts.rounds} times, in turn; the table shows the run with the median "
        "p95, and the last column every run's requests/s and p95.",
        "",
        "| server | users | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| peak DB connections | CPU ms / request (server, client) | load avg before / after "
        "| runs: req/s, p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for key, r in results["load"].items():
        server, users = key.split("/")
        lines.append(
            f"| {server} | {users} | {r['requests']:,} | {r['per_s']:.1f} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['errors']:,} | {r['peak_connections']} "
            f"| {_cpu(r)}, {r.get('client_cpu_ms_per_request') or 0:.1f} "
            f"| {r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} "
            f"| {'; '.join(f'{rate:.0f}, {p95:.0f}' for rate, p95, _ in r.get('rounds', []))} |"
        )
    ours = [r for k, r in results["load"].items() if k.startswith("production/")]
    if ours and ours[0].get("cpu_ms_per_request"):
        cpu = ours[0]["cpu_ms_per_request"]
        lines += [
            "",
            "CPU per request counts the server's processes and the PostgreSQL processes "
            "serving the run's database (not other databases on a shared server), whatever "
            f"else runs: at {cpu:.0f} ms (production, {opts.users[0]} users), two otherwise idle "
            f"cores would serve about {2000 / cpu:.0f} requests/s, and {opts.users[0]} users "
            f"looping without pause would wait about {opts.users[0] * cpu / 2000:.1f} s a "
            "request. The development server's figure at 200 users is low because most of "
            "its answers were quick 500s (`FATAL: sorry, too many clients already`: one "
            "connection per thread reached PostgreSQL's max_connections of 100), which the "
            f"production server ({_production(opts)}) cannot reach.",
        ]
    if ours:
        by_users = {
            int(k.split("/")[1]): r for k, r in results["load"].items() if k in _ours(results)
        }
        errors = ", ".join(f"{by_users[u]['errors']} at {u} users" for u in sorted(by_users))
        first = by_users[min(by_users)]
        lines += [
            "",
            f"Targets (production): 0 errors at each number of users ({errors}: "
            f"{'met' if not any(r['errors'] for r in by_users.values()) else 'NOT met'}); "
            f"p95 < 500 ms at {min(by_users)} users ({first['p95']:.0f} ms: "
            f"{'met' if first['p95'] < 500 else 'NOT met'}, with the load averages above). "
            "When other work keeps the machine's load far above its 2 cores, each server gets "
            "the share of the cores its runnable processes win: the development server's one "
            "PostgreSQL connection per user is one PostgreSQL process per user against the "
            "production server's few, so its requests per second can come out higher while its "
            "CPU per request is no lower; its 200-user row shows what those connections cost.",
        ]
    examples = {k: r["error_examples"] for k, r in results["load"].items() if r["errors"]}
    if examples:
        lines += [
            "",
            "Errors seen (examples): "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in examples.items()),
        ]
    if "writers" in results:
        lines += [
            "",
            "Audited writes: threads each creating referrals (one audited creation per "
            "transaction, as a request) for the run's length, each waiting on the audit "
            "chain head's row lock in turn.",
            "",
            "| writers | writes | writes/s | errors | entries all present | chain verified |",
            "|---:|---:|---:|---:|---|---|",
        ]
        rates = {int(k): r["per_s"] for k, r in results["writers"].items()}
        for r in results["writers"].values():
            lines.append(
                f"| {r['writers']} | {r['writes']:,} | {r['per_s']:.1f} | {r['errors']} "
                f"| {'yes' if r['entries_present'] else 'NO'} "
                f"| {'yes' if r['chain_ok'] else 'NO'} ({r['chain_checked']:,} entries) |"
            )
        if len(rates) > 1:
            most, one = max(rates), min(rates)
            lines += [
                "",
                f"{most} writers against 1: {rates[most] / rates[one]:.2f}x the audited "
                "writes/s (1.0 would be no gain from concurrency, below 1 a collapse). The "
                "chain head is one row every audited write locks until its transaction "
                "commits, so audited writes commit one after another; the rest of each "
                "request still runs side by side.",
            ]
    lines += [
        "",
        "The machine is shared with other work (the load averages above, on 2 cores): "
        "every figure moves with it, and the load client's own threads take part of the "
        "same cores. Users loop without pausing, so a user's latency is roughly users / "
        "requests per second: what the server can do per second is the figure to compare.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--child":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
    step, arg = sys.argv[2], json.loads(sys.argv[3])
    result = {"prepare": prepare, "writers": writers}[step](arg)
    print(json.dumps(result))
