"""Put the request's user into the audit context for the whole request."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .context import audit_context


class AuditMiddleware:
    """Every entry written while a request is served names the request's user.

    Must come after ``AuthenticationMiddleware``. The user is looked up lazily
    from the request, so a log-in or log-out during the request is reflected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = SimpleLazyObject(lambda: getattr(request, "user", None))
        channel = "api" if request.path.startswith("/api/") else "web"
        actor = f"{channel}: {request.method} {request.path}"[:200]
        with audit_context(user=user, actor=actor):
            return self.get_response(request)
