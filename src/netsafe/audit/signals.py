"""Log-ins, log-outs and failed log-ins go into the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .recording import record


def _logged_in(sender, request, user, **kwargs):
    record("login", user, user=user)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", user, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the name tried is kept; credentials also hold the password.
    username = str(credentials.get("username", ""))
    record("login-failed", detail=f"username tried: {username}")


def connect() -> None:
    """Connect the authentication signals (called once from ``AuditConfig.ready``)."""
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
