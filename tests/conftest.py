"""Shared test set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("NETSAFE_ENV", "test")
os.environ.setdefault("NETSAFE_AXES", "0")

#: Public PDQ test images (see ../shared/testdata/pdq/README.md).
PDQ_TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "pdq"


@pytest.fixture(scope="session")
def pdq_testdata() -> Path:
    """The shared PDQ test images; the test is skipped when they are absent."""
    if not (PDQ_TESTDATA / "reference.csv").is_file():
        pytest.skip(f"PDQ test images not found at {PDQ_TESTDATA}")
    return PDQ_TESTDATA
