"""Shared test set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("NETSAFE_ENV", "test")
os.environ.setdefault("NETSAFE_AXES", "0")

# pytest-django configures Django before this file is imported, so settings
# read from the environment at import time missed the defaults above.
from django.conf import settings as _django_settings

if _django_settings.configured:
    _django_settings.AXES_ENABLED = os.environ["NETSAFE_AXES"] == "1"
    # A deliberately slow password hash costs a third of a second per user or log-in.
    _django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every statement compiled once is checked against its queryset on each call.
    _django_settings.NETSAFE_CHECK_STATEMENTS = True
    # Local state (audit checkpoints and their key, scans) of this run only: a checkpoint
    # left in the checkout's var/ by one run made `netsafe audit verify` fail in the next.
    import atexit
    import shutil
    import tempfile

    _django_settings.VAR_DIR = Path(tempfile.mkdtemp(prefix="netsafe-test-var-"))
    atexit.register(shutil.rmtree, _django_settings.VAR_DIR, ignore_errors=True)


def _forces_and_roles_again(sender, using="default", **kwargs):
    """Put back the forces and role groups that a data migration stored, after a
    transactional test (a live server's included) emptied every table.

    Django's flush sends ``post_migrate``, as it does to make content types again. Tests
    that use no database fixture (a module loading the demo) run after the transactional
    ones and, under xdist, other tests may too: they found no force.
    """
    if sender.label != "accounts" or using != "default":
        return
    import importlib

    from django.contrib.auth.models import Group

    from netsafe.accounts.models import Force

    seeded = importlib.import_module("netsafe.accounts.migrations.0002_welsh_forces_and_roles")
    # bulk_create sends no post_save: the rows come back without audit entries of their own,
    # as the migration stored them before the audit trail began.
    Force.objects.bulk_create(
        [Force(slug=s, name=n, contact=c, weight=w) for s, n, c, w in seeded.FORCES],
        ignore_conflicts=True,
    )
    Group.objects.bulk_create([Group(name=r) for r in seeded.ROLES], ignore_conflicts=True)


if _django_settings.configured:
    from django.db.models.signals import post_migrate

    post_migrate.connect(_forces_and_roles_again, dispatch_uid="netsafe-tests-forces-again")

#: Public PDQ test images (see ../shared/testdata/pdq/README.md).
PDQ_TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "pdq"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite test databases in files (in memory, /dev/shm, when there is one), not in memory.

    Django's live server lets all its threads share the one connection of an in-memory
    database, and SQLite cannot run two requests on one connection at once: a page whose
    pictures load in parallel (every request saves the session) failed with "database
    table is locked". With files, each thread has its own connection, as in production.
    """
    import tempfile

    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="netsafe-test-db-", dir=shm if shm.is_dir() else None))
    for alias, config in _django_settings.DATABASES.items():
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("TEST", {})["NAME"] = str(folder / f"{alias}.sqlite3")
    yield
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def officer(client):
    """Sian Hughes, a Gwent officer, signed in on ``client`` (a test file may define its own)."""
    from tests.factories import make_user

    from netsafe.accounts.roles import Role

    user = make_user("gw-officer", "gwent", Role.OFFICER, first_name="Sian", last_name="Hughes")
    client.force_login(user)
    return user


@pytest.fixture(scope="session")
def pdq_testdata() -> Path:
    """The shared PDQ test images; the test is skipped when they are absent."""
    if not (PDQ_TESTDATA / "reference.csv").is_file():
        pytest.skip(f"PDQ test images not found at {PDQ_TESTDATA}")
    return PDQ_TESTDATA


# Browser tests: Playwright drives Debian's chromium (Playwright cannot download
# its own browser here). The sync API runs an event loop in the test thread, so
# Django's async-safety check has to be relaxed for the live server's ORM calls.
CHROMIUM = os.environ.get("NETSAFE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_sessionstart(session):
    """Build the Welsh catalogue (.mo) when it is missing or older than its .po."""
    from netsafe.web.catalogues import compile_catalogues

    compile_catalogues()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases; before they are dropped, PostgreSQL sessions that a
    test's thread or child process left open on them are named and ended, so dropping
    them cannot fail ("is being accessed by other users") after every test has passed."""
    yield
    import sys

    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name, left(query, 200) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                left_open = cursor.fetchall()
                for pid, application, query in left_open:
                    print(
                        f"a test left a database session open ({application or 'no name'}, "
                        f"last query: {query!r}); ended before the test database is dropped",
                        file=sys.__stderr__,
                    )
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
