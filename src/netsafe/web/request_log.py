"""One JSON line per request, naming no one.

Each line has the method, the route (the URL pattern such as
``subjects/<int:pk>/`` and its name, never the path with its query string,
where searches carry names), the status, the duration in milliseconds and the
user's id (not their name). Written to the ``netsafe.requests`` logger at INFO.
"""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpRequest

logger = logging.getLogger("netsafe.requests")


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
