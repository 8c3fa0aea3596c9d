"""Production refuses to start unsafely; headers, throttling and session expiry protect sign-in."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from tests.factories import PASSWORD, make_user

from netsafe.audit.models import AuditEntry

SECRET = "x" * 20 + "-production-secret-for-the-test-only-" + "y" * 20

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/accounts/login/", secure=True)
print(json.dumps({
    "status": response.status_code,
    "hsts": response.headers.get("Strict-Transport-Security", ""),
    "csp": response.headers.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(response.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "debug": settings.DEBUG,
    "insecure_redirect": Client().get("/accounts/login/").status_code,
}))
"""


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NETSAFE_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "netsafe.web.settings", "NETSAFE_VAR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs NETSAFE_SECRET_KEY"),
        ({"NETSAFE_SECRET_KEY": "too-short"}, "needs NETSAFE_SECRET_KEY"),
        (
            {"NETSAFE_SECRET_KEY": "netsafe-development-only-not-a-secret"},
            "needs NETSAFE_SECRET_KEY",
        ),
        ({"NETSAFE_SECRET_KEY": SECRET}, "needs NETSAFE_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_a_secret_and_hosts(tmp_path, env, message):
    result = _python("import django; django.setup()", tmp_path, NETSAFE_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_sets_secure_cookies_hsts_and_csp(tmp_path):
    result = _python(
        PROBE,
        tmp_path,
        NETSAFE_ENV="production",
        NETSAFE_SECRET_KEY=SECRET,
        NETSAFE_ALLOWED_HOSTS="testserver,netsafe.example.police.uk",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 200
    assert "max-age=31536000" in seen["hsts"]
    assert "includeSubDomains" in seen["hsts"]
    assert "script-src 'self'" in seen["csp"]
    assert "unsafe-inline" not in seen["csp"]
    assert "frame-ancestors 'none'" in seen["csp"]
    assert seen["csrf_cookie_secure"]
    assert seen["session_cookie_secure"]
    assert seen["csrf_secure"]
    assert seen["ssl_redirect"]
    assert seen["insecure_redirect"] == 301  # plain HTTP goes to HTTPS
    assert seen["debug"] is False


def test_every_page_has_a_strict_content_security_policy(client):
    csp = client.get("/accounts/login/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"


@pytest.mark.django_db
def test_signing_in_and_failing_to_are_audited(client):
    make_user("audited", "gwent", "officer")
    failed = client.post("/accounts/login/", {"username": "audited", "password": "wrong-one"})
    assert failed.status_code == 200
    html = failed.content.decode()
    assert "govuk-error-summary" in html
    assert "<title>Error: Sign in" in html
    assert AuditEntry.objects.filter(action="login-failed", detail="username tried: audited")
    ok = client.post("/accounts/login/", {"username": "audited", "password": PASSWORD})
    assert ok.status_code == 302
    entry = AuditEntry.objects.filter(action="login").latest("seq")
    assert (entry.username, entry.force) == ("audited", "gwent")
    client.post("/accounts/logout/")
    assert AuditEntry.objects.filter(action="logout", username="audited").exists()


@pytest.mark.django_db
def test_five_failures_lock_the_account_with_a_clear_page(client, settings):
    settings.AXES_ENABLED = True
    make_user("target", "north-wales", "officer")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "target", "password": "guess-guess"})
    locked = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "This account is locked" in html
    assert "Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session
    # Another user is not affected: the lock is per user name.
    make_user("bystander", "north-wales", "officer")
    other = client.post("/accounts/login/", {"username": "bystander", "password": PASSWORD})
    assert other.status_code == 302


@pytest.mark.django_db
def test_four_failures_do_not_lock(client, settings):
    settings.AXES_ENABLED = True
    make_user("typist", "gwent", "officer")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "typist", "password": "typo-typo"})
    assert (
        client.post("/accounts/login/", {"username": "typist", "password": PASSWORD}).status_code
        == 302
    )


@pytest.mark.django_db
def test_a_request_restarts_the_thirty_minutes_without_writing_the_session_every_time(client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    make_user("busy", "gwent", "supervisor")
    client.post("/accounts/login/", {"username": "busy", "password": PASSWORD})
    key = client.session.session_key

    # Restarted less than a minute ago: a page leaves the session as it is (no write).
    recent = timezone.now() + datetime.timedelta(minutes=29, seconds=30)
    Session.objects.filter(pk=key).update(expire_date=recent)
    assert client.get("/audit/").status_code == 200
    assert Session.objects.get(pk=key).expire_date == recent

    # Restarted more than a minute ago: the page restarts the 30 minutes.
    older = timezone.now() + datetime.timedelta(minutes=28)
    Session.objects.filter(pk=key).update(expire_date=older)
    assert client.get("/audit/").status_code == 200
    remaining = Session.objects.get(pk=key).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29, seconds=50) < remaining <= datetime.timedelta(minutes=30)


@pytest.mark.django_db
def test_an_idle_session_is_signed_out(client):
    make_user("idle", "gwent", "supervisor")
    client.post("/accounts/login/", {"username": "idle", "password": PASSWORD})
    assert client.get("/audit/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_password_change(client):
    user = make_user("changer", "gwent", "officer")
    client.force_login(user)
    page = client.get("/accounts/password/").content.decode()
    assert 'for="id_old_password"' in page
    bad = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert "govuk-error-summary" in bad.content.decode()
    new = "another-long-passphrase"
    done = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/changed/"
    user.refresh_from_db()
    assert user.check_password(new)
    assert "Password changed" in client.get(done["Location"]).content.decode()
