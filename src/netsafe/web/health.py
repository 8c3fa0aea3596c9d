"""``/healthz``: whether this web machine can serve, for a load balancer.

Answers ``{"status": "ok", "database": "ok", "prevention": "ok", "cache": "ok"}``
with 200, or 503 with ``"unavailable"`` beside each part that failed. It names
no person, needs no sign-in, sets no cookie and writes nothing to the audit log
(it reads no record); the reason for a failure goes to the server's log, not to
the prober.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger("netsafe.health")

PATH = "/healthz"


def _database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError(f"database {alias!r} answered SELECT 1 wrongly")


def _cache() -> None:
    # The cache prevention counting uses: with several web machines it must be shared
    # (Redis), and a machine that cannot reach it would count visitors twice.
    cache = caches["prevention" if "prevention" in settings.CACHES else "default"]
    key, value = f"netsafe:healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {
    "database": lambda: _database("default"),
    "prevention": lambda: _database("prevention"),
    "cache": _cache,
}


def health(request: HttpRequest) -> JsonResponse:
    """Check the casework database, the prevention database and the cache."""
    body = {"status": "ok"}
    for name, run in CHECKS.items():
        try:
            run()
        except Exception:
            logger.exception("health check %s failed", name)
            body[name] = "unavailable"
            body["status"] = "unavailable"
        else:
            body[name] = "ok"
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer ``/healthz`` before any other middleware.

    A load balancer probes each machine by its own address over plain HTTP, so
    the probe must not meet the host check (ALLOWED_HOSTS names the public host),
    the redirect to HTTPS, the session or the audit context.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info == PATH and request.method in {"GET", "HEAD"}:
            return health(request)
        return self.get_response(request)
