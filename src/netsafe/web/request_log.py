"""One JSON line per request, naming no one.

Each line has the method, the route (the URL pattern such as
``subjects/<int:pk>/`` and its name, never the path with its query string,
where searches carry names), the status, the duration in milliseconds and the
user's id (not their name). Written to the ``netsafe.requests`` logger at INFO.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from django.http import HttpRequest

logger = logging.getLogger("netsafe.requests")


class StderrHandler(logging.StreamHandler):
    """Writes each record to ``sys.stderr`` as it is when the record comes.

    ``logging.StreamHandler()`` keeps the stream it found when logging was configured:
    a test runner that later replaced and closed ``sys.stderr`` (pytest's capture)
    turned each line a server thread logged after that into a "Logging error"
    traceback, and the line was lost.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # always the current sys.stderr


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.pk


class RequestLogMiddleware:
    """Log each request once its response is ready (or its exception has escaped)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = time.perf_counter()
        status = 500  # what the handler makes of an exception that escapes
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            if logger.isEnabledFor(logging.INFO):
                match = getattr(request, "resolver_match", None)
                line = {
                    "method": request.method,
                    "route": match.route if match else None,
                    "view": match.view_name if match else None,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                }
                logger.info(json.dumps(line, separators=(",", ":")))
