"""Hostile return lines are that line's error, never a crash (issue 12, finding 5).

A 5,000-digit number gave a ValueError and 100,000 levels of nesting a
RecursionError: a traceback on the command line and a 500 on the upload page.
"""

from __future__ import annotations

import io
import json

import pytest
from tests.factories import PASSWORD, make_user
from tests.returns.test_returns import good_records, jsonl, stored_counts
from typer.testing import CliRunner

from netsafe.accounts.roles import Role
from netsafe.returns.cli import app as returns_app
from netsafe.returns.importer import import_return
from netsafe.returns.validation import MAX_LINE_BYTES, loads, read_lines

pytestmark = pytest.mark.django_db


def _with_line(line: str | bytes) -> bytes:
    """A good return with ``line`` as its second line."""
    good = jsonl(*good_records()).encode("utf-8").splitlines()
    line = line.encode("utf-8") if isinstance(line, str) else line
    return b"\n".join([good[0], line, *good[1:]]) + b"\n"


HOSTILE = {
    "5,000-digit number": (
        '{"type": "safeguarding", "children": ' + "9" * 5000 + "}",
        "2: refused: a number of 5000 digits: at most 15 are allowed",
    ),
    "16-digit number": (
        '{"type": "referral", "x": 1234567890123456}',
        "2: refused: a number of 16 digits: at most 15 are allowed",
    ),
    "long float": (
        '{"type": "referral", "x": 0.12345678901234567}',
        "2: refused: a number of 18 digits: at most 15 are allowed",
    ),
    "huge exponent": ('{"x": 1e999}', "2: refused: the number 1e999 is too large"),
    "NaN": ('{"x": NaN}', "2: refused: NaN is not a plain JSON number"),
    "100,000 levels of nesting": (
        "[" * 100_000 + "]" * 100_000,
        "2: refused: nested 100000 levels deep: at most 20 are allowed",
    ),
    "21 levels in a record": (
        '{"type": "referral", "x": ' + "[" * 20 + "]" * 20 + "}",
        "2: refused: nested 21 levels deep: at most 20 are allowed",
    ),
    "2 MB line": ('{"x": "' + "a" * (2 * 1024 * 1024) + '"}', "2: line longer than 1 MB: refused"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_line_is_that_lines_error_and_nothing_is_stored(name):
    line, problem = HOSTILE[name]
    before = stored_counts()
    result = import_return(_with_line(line), "hostile.jsonl")
    assert not result.ok
    assert problem in result.checked.report()
    assert stored_counts() == before


def test_brackets_and_digits_inside_strings_do_not_count():
    text = '{"a": "' + "[" * 30 + ' \\" ' + "{" * 25 + '", "b": "12345678901234567890"}'
    assert loads(text)["b"] == "12345678901234567890"
    assert loads('{"n": 123456789012345, "f": -1.5e10}') == {"n": 123456789012345, "f": -1.5e10}


def test_lines_are_read_a_bounded_piece_at_a_time():
    # A line of 3 MB is skipped without reading it whole, and the lines after it are kept.
    stream = io.BytesIO(b"one\n" + b"x" * (3 * MAX_LINE_BYTES) + b"\ntwo\r\nthree")
    assert list(read_lines(stream)) == [b"one", None, b"two", b"three"]
    exact = io.BytesIO(b"y" * MAX_LINE_BYTES + b"\n" + b"z" * (MAX_LINE_BYTES + 1))
    assert [len(x) if x else x for x in read_lines(exact)] == [MAX_LINE_BYTES, None]


@pytest.mark.django_db(databases=["default", "prevention"])
def test_the_command_lists_them_with_exit_2_and_no_traceback(tmp_path):
    path = tmp_path / "hostile.jsonl"
    lines = [good_records()[0]]
    content = jsonl(*lines).encode() + b"[" * 100_000 + b"\n" + b'{"n": ' + b"9" * 5000 + b"}\n"
    path.write_bytes(content)
    result = CliRunner().invoke(returns_app, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "2: refused: nested 100000 levels deep: at most 20 are allowed" in result.stderr
    assert "3: refused: a number of 5000 digits: at most 15 are allowed" in result.stderr
    assert "Traceback" not in result.output


def test_the_upload_page_answers_400_with_the_problems(client):
    make_user("gwent-sup", "gwent", Role.SUPERVISOR)
    assert client.login(username="gwent-sup", password=PASSWORD)
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = _with_line("[" * 100_000 + "]" * 100_000)
    response = client.post(
        "/returns/upload/", {"return_file": SimpleUploadedFile("hostile.jsonl", content)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "hostile.jsonl was rejected: nothing was stored" in text
    assert "2: refused: nested 100000 levels deep" in text
    assert json.dumps(good_records()[0])[:10] not in text  # the problems, not the file
