"""The smaller findings of the security review (issue 12, finding 7), one test each.

"500s on /prevention/?day=0001-01-01, /prevention/escalations/?month=9999-12,
/stats/?as_at=9999-12-31 (and the PDF), /static/../web/settings.py; /help/ refreshes
a staff member's session cookie; the helpline's identifier filter lets through
07700/900/123, john\uff20example.com (a full-width at sign), john at gmail dot de,
192 . 168 . 1 . 1, born 01/02/1980; self-help visitor counts rise with each new
User-Agent (25 requests moved "all" from 2 to 27); five requests lock any known user
name out for 15 minutes; /api/schema/ and /api/docs/ answer the charity's staff and
the analyst; [...] API Basic authentication writes no sign-in entry and ignores the
idle time-out."
"""

from __future__ import annotations

import base64
import datetime
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from tests.factories import PASSWORD, make_user

from netsafe.accounts.roles import Role
from netsafe.prevention.counting import visit_cache
from netsafe.prevention.identifiers import find_identifiers
from netsafe.prevention.models import SelfHelpVisits

BOTH = ["default", "prevention"]


# -- 500s become 400s with a page ---------------------------------------------------------


@pytest.mark.django_db(databases=BOTH)
@pytest.mark.parametrize(
    ("url", "role", "param"),
    [
        ("/prevention/?day=0001-01-01", Role.HELPLINE_SUPERVISOR, "day=0001-01-01"),
        ("/prevention/?day=9999-12-31", Role.HELPLINE_SUPERVISOR, "day=9999-12-31"),
        ("/prevention/escalations/?month=9999-12", Role.HELPLINE_SUPERVISOR, "month=9999-12"),
        ("/prevention/escalations/?month=0001-01", Role.HELPLINE_SUPERVISOR, "month=0001-01"),
        ("/prevention/trends/?to=9999-12", Role.CHARITY_ANALYST, "to=9999-12"),
        ("/stats/?as_at=9999-12-31", Role.ANALYST, "as_at=9999-12-31"),
        ("/stats/?as_at=0001-01-01", Role.ANALYST, "as_at=0001-01-01"),
        ("/stats/report/?as_at=9999-12-31", Role.OPERATION_LEAD, "as_at=9999-12-31"),
        ("/stats/report.pdf?as_at=9999-12-31", Role.ANALYST, "as_at=9999-12-31"),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_a_400_page(client, url, role, param):
    client.force_login(make_user(f"u-{role}", None, role))
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem with the web address" in html
    assert param in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "sqlite", reason="serves the real command on SQLite")
def test_netsafe_serve_answers_a_path_out_of_static_with_404(tmp_path):
    # The test client never goes through runserver's static handler, which gave the 500.
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env |= {"NETSAFE_VAR": str(tmp_path), "NETSAFE_ENV": "development", "NETSAFE_AXES": "0"}
    netsafe = Path(sys.executable).with_name("netsafe")
    server = subprocess.Popen(
        [str(netsafe), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", "/static/../web/settings.py")
                response = conn.getresponse()
                break
            except OSError:
                conn.close()
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode()) from None
                time.sleep(0.5)
        body = response.read().decode()
        conn.close()
        assert response.status == 404
        assert "Page not found" in body
        assert "SECRET_KEY" not in body
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


# -- /help/ never touches a session or sets a cookie --------------------------------------


@pytest.mark.django_db(databases=BOTH)
def test_help_pages_neither_refresh_a_staff_session_nor_set_a_cookie(client):
    make_user("helpline-sup", None, Role.HELPLINE_SUPERVISOR)
    assert client.post(
        "/accounts/login/", {"username": "helpline-sup", "password": PASSWORD}
    ).status_code == (302)
    key = client.session.session_key
    earlier = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.filter(pk=key).update(expire_date=earlier)
    for path in ("/help/", "/help/your-behaviour/", "/help/no-such-page/"):
        response = client.get(path, HTTP_USER_AGENT="Mozilla/5.0")
        assert response.cookies == {}, (path, response.cookies)
        assert "Set-Cookie" not in response.headers
    # The session was neither read nor saved: its expiry did not move.
    assert Session.objects.get(pk=key).expire_date == earlier
    posted = client.post("/help/where/", {"nation": "wales"}, HTTP_USER_AGENT="Mozilla/5.0")
    assert posted.cookies == {}
    # The staff pages still use the session (and refresh it).
    assert client.get("/prevention/").status_code == 200
    assert Session.objects.get(pk=key).expire_date > earlier


@pytest.mark.django_db(databases=BOTH)
def test_help_pages_set_no_cookie_for_an_anonymous_visitor(client):
    response = client.get("/help/", HTTP_USER_AGENT="Mozilla/5.0")
    assert response.status_code == 200
    assert response.cookies == {}


# -- identifiers typed round the filter ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call 07700/900/123 tonight", "long-number"),
        ("07700 / 900 / 123", "long-number"),
        ("john\uff20example.com", "email"),
        ("write to john\u200b@example.com", "email"),
        ("john at gmail dot de", "email"),
        ("john (at) mail [dot] example [dot] org", "email"),
        ("dave at example . com", "email"),
        ("from 192 . 168 . 1 . 1", "ip"),
        ("from 192 dot 168 dot 1 dot 1", "ip"),
        ("from \uff11\uff19\uff12.\uff11\uff16\uff18.\uff11.\uff11", "ip"),
        ("born 01/02/1980", "birth"),
        ("born in 1980", "birth"),
        ("born on the 1st", "birth"),
        ("born 1st March 1980", "birth"),
    ],
)
def test_identifiers_typed_round_the_filter_are_found(text, kind):
    found = find_identifiers(text)
    assert [f.kind for f in found] == [kind], found
    # Offsets are those of the text as typed (the message names the character).
    assert found[0].end <= len(text)


@pytest.mark.parametrize(
    "text",
    [
        "Caller was at home. It was late.",
        "Talked at length. In the end agreed to call back.",
        "Call at 10:30pm on 12/03/2017, about 2 children aged 4 and 7.",
        "First child born 2 years after the move.",
        "Spoke about the 3/4 of calls that were about habits.",
    ],
)
def test_ordinary_notes_still_pass(text):
    assert find_identifiers(text) == []


# -- distinct visitors: the salted network address, not the headers ------------------------


def _visitors(period: str = "day") -> int:
    today = timezone.localdate()
    start = today if period == "day" else today.replace(day=1)
    row = SelfHelpVisits.objects.filter(period=period, start=start, nation="all").first()
    return row.visitors if row else 0


@pytest.fixture
def clean_visits():
    visit_cache().clear()
    yield
    visit_cache().clear()


@pytest.mark.django_db(databases=BOTH)
def test_a_new_user_agent_per_request_does_not_inflate_the_visitor_count(client, clean_visits):
    for i in range(25):
        agent = f"Mozilla/5.0 (X11; Linux x86_64) Firefox/{100 + i}.0"
        client.get("/help/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=agent)
    assert _visitors("day") == 1
    assert _visitors("month") == 1
    client.get("/help/", REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="Mozilla/5.0")
    assert _visitors("day") == 2


@pytest.mark.django_db(databases=BOTH)
def test_ipv6_visitors_are_counted_by_their_64_network(client, clean_visits):
    for suffix in ("::1", ":abcd:ef01:2345:6789", "::ffff"):
        client.get("/help/", REMOTE_ADDR=f"2001:db8:1:2{suffix}", HTTP_USER_AGENT="Mozilla/5.0")
    client.get("/help/", REMOTE_ADDR="2001:db8:1:3::1", HTTP_USER_AGENT="Mozilla/5.0")
    assert _visitors("day") == 2


# -- lock-out by name and address; a slow-down by name alone ------------------------------


def _sign_in(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _let_time_pass(username: str, seconds: int) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - datetime.timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, settings):
    settings.AXES_ENABLED = True
    make_user("target", "north-wales", Role.OFFICER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "target", "guess-guess", "192.0.2.66")
    locked = _sign_in(client, "target", PASSWORD, "192.0.2.66")
    assert locked.status_code == 429
    _let_time_pass("target", 5)
    officer = _sign_in(client, "target", PASSWORD, "198.51.100.20")
    assert officer.status_code == 302


@pytest.mark.django_db
def test_failures_by_name_from_many_addresses_slow_the_name_down(client, settings):
    settings.AXES_ENABLED = True
    make_user("sprayed", "gwent", Role.OFFICER)
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "sprayed", "guess-guess", f"192.0.2.{i + 1}")
    # Five failures: the next try waits a second; tries while waiting are refused unread.
    early = _sign_in(client, "sprayed", "guess-guess", "192.0.2.99")
    assert "Wait 1 second," in early.content.decode()
    for i in range(2):
        _let_time_pass("sprayed", 120)
        _sign_in(client, "sprayed", "guess-guess", f"192.0.2.{i + 10}")
    # Seven failures: the next try by that name, from anywhere, waits 4 seconds.
    refused = _sign_in(client, "sprayed", PASSWORD, "198.51.100.20")
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "too many wrong passwords for this user name" in html
    assert "Wait 4 seconds," in html
    assert "_auth_user_id" not in client.session
    _let_time_pass("sprayed", 4)
    assert _sign_in(client, "sprayed", PASSWORD, "198.51.100.20").status_code == 302


# -- the API: schema for its users only, no Basic authentication --------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "force", "status"),
    [
        (Role.OFFICER, "gwent", 200),
        (Role.OPERATION_LEAD, None, 200),
        (Role.ANALYST, None, 404),
        (Role.ADMINISTRATOR, None, 404),
        (Role.CALL_HANDLER, None, 404),
        (Role.HELPLINE_SUPERVISOR, None, 404),
        (Role.CHARITY_ANALYST, None, 404),
    ],
)
def test_api_schema_and_docs_only_for_the_apis_users(client, role, force, status):
    client.force_login(make_user(f"api-{role}", force, role))
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == status
    assert client.get("/api/docs/").status_code == status


@pytest.mark.django_db
def test_api_refuses_basic_authentication(client):
    make_user("basic-officer", "gwent", Role.OFFICER)
    token = base64.b64encode(f"basic-officer:{PASSWORD}".encode()).decode()
    response = client.get("/api/subjects/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code in (401, 403)
    assert not any("Basic" in c for c in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])
