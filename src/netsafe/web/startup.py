"""What must hold before the application answers HTTP, whichever server loads it.

A leaf module: the WSGI entry point (:mod:`netsafe.web.wsgi`) and ``netsafe
serve`` (:mod:`netsafe.web.serving`, which loads that entry point in gunicorn's
workers) both check through it without importing each other.
"""

from __future__ import annotations

from typing import Any


def problems(settings: Any) -> list[str]:
    """Why the configured application must not answer HTTP (empty when it may)."""
    found = []
    explicit_local = settings.ENV_GIVEN in {"development", "test"}
    if not explicit_local and getattr(settings, "USING_DEVELOPMENT_SECRET", False):
        found.append(
            "NETSAFE_ENV is unset and NETSAFE_SECRET_KEY is not given: serving with the public "
            "development secret would let anyone forge signed values. Set NETSAFE_SECRET_KEY "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))'), or "
            "NETSAFE_ENV=development for a local demo."
        )
    return found


def check() -> None:
    """Raise ``ImproperlyConfigured`` naming every reason the application must not serve."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    found = problems(settings)
    if found:
        raise ImproperlyConfigured(" ".join(found))
