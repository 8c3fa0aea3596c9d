"""Serving: safe by default, the production server, /healthz and the request log."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings
from tests.factories import make_user

from netsafe.audit.models import AuditEntry
from netsafe.web.serving import ServerOptions, default_workers

SECRET = "s" * 20 + "-serving-secret-for-the-test-only-" + "t" * 20
SRC = Path(__file__).resolve().parents[2] / "src"


def _env(tmp_path: Path, **env: str) -> dict[str, str]:
    """This environment without any NETSAFE_ or database setting, plus ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NETSAFE_")
        and k not in {"DATABASE_URL", "PREVENTION_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "netsafe.web.settings", "NETSAFE_VAR": str(tmp_path)}
    return clean | env


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )


# A page that fails, served the way a server serves it (exceptions become responses).
FAILING_PAGE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="boom_urls"):
    response = Client(raise_request_exception=False).get("/boom/")
print(json.dumps({
    "debug": settings.DEBUG,
    "status": response.status_code,
    "body": response.content.decode(errors="replace"),
}))
"""

BOOM_URLS = """
from django.urls import path

def boom(request):
    raise RuntimeError("the failing page's secret detail")

urlpatterns = [path("boom/", boom)]
"""


@pytest.mark.parametrize(
    ("env", "debug"),
    [
        ({}, False),  # unset: never a debug page
        ({"NETSAFE_ENV": ""}, False),
        ({"NETSAFE_ENV": "test"}, False),
        ({"NETSAFE_ENV": "development"}, True),  # only when asked for by name
        ({"NETSAFE_ENV": "development", "NETSAFE_DEBUG": "0"}, False),
    ],
)
def test_debug_is_on_only_when_development_is_named(tmp_path, env, debug):
    (tmp_path / "boom_urls.py").write_text(BOOM_URLS)
    result = _python(FAILING_PAGE, tmp_path, PYTHONPATH=f"{SRC}{os.pathsep}{tmp_path}", **env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["debug"] is debug
    assert seen["status"] == 500
    # The debug page shows the exception and the settings; the plain 500 shows neither.
    shown = "the failing page&#x27;s secret detail" in seen["body"] or "SECRET_KEY" in seen["body"]
    assert shown is debug


def test_an_unset_environment_refuses_to_serve_with_the_public_secret(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "netsafe.cli", "serve", "--port", "1"],
        env=_env(tmp_path, PYTHONPATH=str(SRC)),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "NETSAFE_SECRET_KEY" in result.stderr
    assert "NETSAFE_ENV=development" in result.stderr
    assert "Traceback" not in result.stderr
    # Any other WSGI server loading the application refuses as well.
    loaded = _python("import netsafe.web.wsgi", tmp_path, PYTHONPATH=str(SRC))
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr
    assert "NETSAFE_SECRET_KEY" in loaded.stderr


def test_commands_still_work_with_the_environment_unset(tmp_path):
    # A new user's first `netsafe` commands must not demand a production secret.
    result = _python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        tmp_path,
        PYTHONPATH=str(SRC),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_netsafe_serve_runs_gunicorn_and_answers_healthz(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "netsafe.cli", "serve", "--port", str(port), "--workers", "2"],
        env=_env(tmp_path, PYTHONPATH=str(SRC), NETSAFE_SECRET_KEY=SECRET),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, headers, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert status == 200
        assert json.loads(body) == {
            "status": "ok",
            "database": "ok",
            "prevention": "ok",
            "cache": "ok",
        }
        assert headers["Server"].startswith("gunicorn")
        assert "Set-Cookie" not in headers
        status, _, body = _get(f"http://127.0.0.1:{port}/accounts/login/?next=/casework/subjects/")
        assert status == 200
        assert b"Sign in" in body
        # Static files are served by the production server too (WhiteNoise).
        css = _get(f"http://127.0.0.1:{port}/static/netsafe/netsafe.css")
        assert css[0] == 200, css
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert "gunicorn" in out
    logged = [json.loads(line) for line in err.splitlines() if line.startswith('{"method"')]
    login = [line for line in logged if line["view"] == "login"]
    assert login, err
    assert login[0]["route"] == "accounts/login/"
    assert login[0]["status"] == 200
    assert "next" not in json.dumps(logged)  # no query strings in the log


def test_by_default_one_sync_worker_per_core_and_one_more():
    # Sync workers take requests in turn from the socket, each with a core to itself;
    # threads sharing a worker's core made every request as slow as all of them together
    # (bench/RESULTS.md, "Serving"). The one more runs while another waits on the database.
    assert default_workers(1) == 2
    assert default_workers(2) == 3
    assert default_workers(6) == 7
    assert default_workers(64) == 9
    default = ServerOptions().gunicorn_config()
    assert (default["threads"], default["worker_class"]) == (1, "sync")
    assert default["workers"] == default_workers()
    config = ServerOptions(host="::1", port=8123, workers=3, threads=2).gunicorn_config()
    assert config["bind"] == "[::1]:8123"
    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 2, "gthread")
    assert "%(q)s" not in config["access_log_format"]  # no query strings


@pytest.mark.django_db(databases=["default", "prevention"])
def test_healthz_reports_each_part_sets_no_cookie_and_is_not_audited(client):
    user = make_user("health-reader", "gwent", "officer")
    client.force_login(user)
    before = AuditEntry.objects.count()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "prevention": "ok", "cache": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db(databases=["default", "prevention"])
def test_healthz_answers_503_naming_the_part_that_failed(client, caplog):
    broken = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=broken), caplog.at_level(logging.ERROR, "netsafe.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "prevention": "ok",
        "cache": "unavailable",
    }
    assert "health check cache failed" in caplog.text


def test_healthz_without_its_database_is_503(tmp_path):
    result = _python(
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())",
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        # Nothing listens on port 9: the connection is refused at once.
        PREVENTION_DATABASE_URL="postgres://nobody@127.0.0.1:9/prevention",
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body)["prevention"] == "unavailable"
    assert json.loads(body)["database"] == "ok"
    assert "nobody" not in body  # the reason stays in the server's log


def test_healthz_answers_a_probe_by_address_over_http_in_production(tmp_path):
    # The load balancer probes each machine by its address, not the public host name,
    # and over plain HTTP: neither the host check nor the HTTPS redirect may answer.
    result = _python(
        "import django; django.setup(); from django.test import Client; "
        "c = Client(); print(c.get('/healthz', HTTP_HOST='10.1.2.3:8000').status_code, "
        "c.get('/accounts/login/', HTTP_HOST='10.1.2.3:8000').status_code)",
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="production",
        NETSAFE_SECRET_KEY=SECRET,
        NETSAFE_ALLOWED_HOSTS="netsafe.example.police.uk",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "400"]


@pytest.mark.django_db
def test_each_request_is_one_json_line_naming_no_one(client, caplog):
    user = make_user("logged-officer", "gwent", "officer")
    client.force_login(user)
    with caplog.at_level(logging.INFO, "netsafe.requests"):
        response = client.get("/casework/subjects/", {"q": "Jonathan Smethurst"})
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "netsafe.requests"]
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["method"] == "GET"
    assert line["route"] == "casework/subjects/"
    assert line["view"] == "casework:subject-list"
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert isinstance(line["duration_ms"], float)
    assert "Smethurst" not in lines[0]
    assert "logged-officer" not in lines[0]


@pytest.mark.django_db
def test_a_request_that_fails_is_logged_with_its_500(client, caplog, monkeypatch):
    from netsafe.casework import views

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.RecordListView, "get", fail)
    client.force_login(make_user("failing-officer", "gwent", "officer"))
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO, "netsafe.requests"):
        assert client.get("/casework/subjects/").status_code == 500
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "netsafe.requests"]
    assert [(x["view"], x["status"]) for x in lines] == [("casework:subject-list", 500)]


PG_URL = os.environ.get("DATABASE_URL", "")

SHOW_DATABASES = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({a: {"CONN_MAX_AGE": d["CONN_MAX_AGE"], "OPTIONS": d.get("OPTIONS", {})}
                  for a, d in settings.DATABASES.items()}))
"""


@pytest.mark.parametrize(("pool_size", "pooled"), [("", False), ("6", True)])
def test_postgresql_gets_a_connection_pool_only_for_servers(tmp_path, pool_size, pooled):
    result = _python(
        SHOW_DATABASES,
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        DATABASE_URL="postgres://netsafe@db.example.invalid:5432/netsafe",
        NETSAFE_DB_POOL_SIZE=pool_size,
    )
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout.strip().splitlines()[-1])["default"]
    if pooled:
        assert default["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 6, "timeout": 10}
        assert default["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    else:
        assert "pool" not in default["OPTIONS"]


WAL_PROBE = """
import django
django.setup()
from django.db import connections
for alias in ("default", "prevention"):
    with connections[alias].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        print(alias, mode, cursor.fetchone()[0])
"""


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    result = _python(WAL_PROBE, tmp_path, PYTHONPATH=str(SRC), NETSAFE_ENV="test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["default wal 20000", "prevention wal 20000"]


POOL_PROBE = """
import json, threading, django
django.setup()
from django.db import connection
pids, errors = set(), []
start = threading.Barrier(12)

def request():
    try:
        start.wait()
        for _ in range(3):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.05)")
                pids.add(cursor.fetchone()[0])
            connection.close()  # end of a request: the connection goes back to the pool
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=request) for _ in range(12)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"pids": len(pids), "errors": errors}))
"""


@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)")
def test_twelve_threads_share_a_pool_of_three_connections(tmp_path):
    # 12 requests at once in one server process use at most 3 PostgreSQL connections:
    # the rest wait for one to come back rather than open more.
    result = _python(
        POOL_PROBE,
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        DATABASE_URL=PG_URL,
        NETSAFE_DB_POOL_SIZE="3",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert 1 <= seen["pids"] <= 3


def test_a_shared_redis_cache_that_is_down_makes_healthz_503(tmp_path):
    # Several web machines count the help pages' visitors in one Redis: a machine that
    # cannot reach it must leave the load balancer's rotation rather than count alone.
    result = _python(
        "import django; django.setup(); from django.conf import settings; "
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(settings.CACHES['default']['BACKEND'], r.status_code, r.content.decode())",
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        NETSAFE_CACHE_URL="redis://127.0.0.1:9/0",  # nothing listens on port 9
    )
    assert result.returncode == 0, result.stderr
    backend, status, body = result.stdout.strip().splitlines()[-1].split(" ", 2)
    assert backend == "django.core.cache.backends.redis.RedisCache"
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "ok",
        "prevention": "ok",
        "cache": "unavailable",
    }


def test_a_cache_url_that_is_not_redis_is_a_clear_error(tmp_path):
    result = _python(
        "import django; django.setup()",
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        NETSAFE_CACHE_URL="memcached://127.0.0.1:11211",
    )
    assert result.returncode != 0
    assert "NETSAFE_CACHE_URL must be a Redis URL" in result.stderr


def test_a_pool_size_that_is_not_a_number_is_a_clear_error(tmp_path):
    result = _python(
        "import django; django.setup()",
        tmp_path,
        PYTHONPATH=str(SRC),
        NETSAFE_ENV="test",
        DATABASE_URL="postgres://netsafe@db.example.invalid:5432/netsafe",
        NETSAFE_DB_POOL_SIZE="eight",
    )
    assert result.returncode != 0
    assert "NETSAFE_DB_POOL_SIZE must be a whole number, not 'eight'" in result.stderr


def test_log_lines_go_to_stderr_as_it_is_when_they_are_written(monkeypatch):
    # A handler that kept the stream it was configured with wrote to a test runner's
    # closed capture ("Logging error ... I/O operation on closed file") and lost the line.
    import io
    import logging.config

    from django.conf import settings

    logging.config.dictConfig({**settings.LOGGING, "disable_existing_loggers": False})
    handler = logging.getLogger().handlers[0]
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logging.getLogger("netsafe.test").warning("one")
    first.close()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("netsafe.test").warning("two")
    assert second.getvalue() == "two\n"
    assert handler.stream is sys.stderr
