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

#: Public PDQ test images (see ../shared/testdata/pdq/README.md).
PDQ_TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "pdq"


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


@pytest.fixture(scope="session", autouse=True)
def _var_dir_of_the_session(tmp_path_factory):
    """The session's own NETSAFE_VAR: no test writes the checkout's var/ (audit checkpoints,
    triage outputs, returns waiting for confirmation) nor reads what an earlier run left there."""
    _django_settings.VAR_DIR = tmp_path_factory.mktemp("var")
