"""Serving the application over HTTP: the production server (the checks: :mod:`.startup`).

``netsafe serve`` runs gunicorn in this process (the gunicorn master forks the
worker processes); ``netsafe serve --dev`` runs Django's auto-reloading
development server instead. Both refuse to answer HTTP with the public
development secret unless ``NETSAFE_ENV`` names development or test: an unset
variable is the mistake this guards against, not a choice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

#: Per-process connections each web worker may hold to each PostgreSQL database.
POOL_ENV = "NETSAFE_DB_POOL_SIZE"
#: gunicorn's access-log line without the query string (searches carry names) or user.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def default_workers(cores: int | None = None) -> int:
    """One worker process per core and one more (at least 2, at most 9), one request each.

    A single-threaded (sync) worker serves one request at a time, so the cores take
    requests from the listening socket in the order they came and each request has a
    core to itself. Threaded workers share a core between their threads (Python's GIL):
    every request in a worker ran for as long as all of them. The one process more than
    the cores runs while another waits on the database (a commit, an audit entry's
    lock). On the 2-core machine of bench/RESULTS.md, 50 users who never pause: 3 sync
    workers served 1.3 to 1.6 times the requests per second of 2 workers x 8 threads,
    with a p95 about half as long; 2, 4 and 6 sync workers, and 2 or 3 workers x 2 to
    4 threads, fewer. The cap keeps PostgreSQL connections (one per worker per
    database) far below its default ``max_connections`` (deploy/README.md); more
    capacity comes from more machines behind the load balancer.
    """
    cores = cores or os.cpu_count() or 1
    return min(max(2, cores + 1), 9)


@dataclass(frozen=True)
class ServerOptions:
    """How the production server runs."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # 0: default_workers()
    threads: int = 1
    timeout: int = 60
    graceful_timeout: int = 30
    # Threaded workers only (a sync worker closes every connection after its response).
    # 0: a connection closes after each response, so each request goes to whichever
    # worker is free; a kept-alive connection ties a busy user to one worker while the
    # others idle (50 users on 2 x 8: p95 8.2 s closed against 11.9 s kept alive).
    keepalive: int = 0
    max_requests: int = 5000
    access_log: str | None = None

    def gunicorn_config(self) -> dict[str, Any]:
        """The options as gunicorn settings."""
        config: dict[str, Any] = {
            "bind": f"[{self.host}]:{self.port}"
            if ":" in self.host
            else f"{self.host}:{self.port}",
            "workers": self.workers or default_workers(),
            "threads": self.threads,
            # One thread (the default): gunicorn's plain sync worker, one request at a
            # time (default_workers says why); gthread: each worker serves `threads`
            # requests at once, sharing its core.
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "keepalive": self.keepalive,
            # Recycle workers now and then (with jitter, so not all at once) to bound
            # the memory a long-running process may accumulate.
            "max_requests": self.max_requests,
            "max_requests_jitter": max(self.max_requests // 10, 1) if self.max_requests else 0,
            "errorlog": "-",
            "accesslog": self.access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            # The master imports the application and every page's code once, before
            # forking: a worker's first request does not spend seconds importing (2.6 s
            # measured), and a worker restarted by max_requests starts warm.
            "preload_app": True,
            "proc_name": "netsafe",
            # gunicorn's control socket is one path per user: two servers would share it.
            "control_socket_disable": True,
            "post_fork": _post_fork,
        }
        return config


def _post_fork(server: Any, worker: Any) -> None:
    # The master ran the migrations; each worker opens its own connections (or pool).
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


def close_connections() -> None:
    """Close every database connection and pool of this process (before forking workers)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
        # A psycopg pool runs threads, which a fork would not carry into the workers.
        if hasattr(conn, "close_pool"):
            conn.close_pool()


def warm() -> None:
    """Do once, before forking, what each worker's first request would otherwise do.

    Measured on a worker's first page: importing every area's views (2.6 s), building
    the URL map's reverse tables (0.3 s) and compiling templates (0.1 s and more per
    page). Forked workers share the result.
    """
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 (building it is the point)
    for _, namespaced in resolver.namespace_dict.values():
        namespaced.reverse_dict  # noqa: B018
    for engine in engines.all():
        for folder in get_app_template_dirs("templates"):
            for path in folder.rglob("*.html"):
                try:
                    engine.get_template(str(path.relative_to(folder)))
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue  # a template of another engine, or a fragment


def run_production(options: ServerOptions) -> None:
    """Run gunicorn with ``options`` in this process until it is stopped (SIGINT/SIGTERM)."""
    from gunicorn.app.base import BaseApplication

    config = options.gunicorn_config()

    class NetSafeServer(BaseApplication):
        """gunicorn configured from ``ServerOptions`` rather than its command line."""

        def load_config(self) -> None:
            for key, value in config.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            from netsafe.web.wsgi import application

            warm()
            close_connections()  # nothing the workers inherit may be a live connection
            return application

    NetSafeServer().run()
