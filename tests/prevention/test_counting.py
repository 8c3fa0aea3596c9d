"""Self-help visitors are counted once a day and a month, with no cookie and no IP kept."""

from __future__ import annotations

import pytest
from django.db import connections
from django.utils import timezone
from prevention_helpers import BOTH

from netsafe.prevention.counting import visit_cache
from netsafe.prevention.models import SelfHelpVisits

pytestmark = pytest.mark.django_db(databases=BOTH)

PHONE = "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
IP = "203.0.113.77"


def visitors(period: str, nation: str = "all") -> int:
    today = timezone.localdate()
    start = today if period == "day" else today.replace(day=1)
    row = SelfHelpVisits.objects.filter(period=period, start=start, nation=nation).first()
    return row.visitors if row else 0


def test_one_visitor_reading_many_pages_counts_once(client):
    for path in ("/help/", "/help/your-behaviour/", "/help/your-behaviour/why-change/"):
        assert client.get(path, REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE).status_code == 200
    assert visitors("day") == 1
    assert visitors("month") == 1


def test_different_addresses_count_apart_and_browsers_do_not(client):
    # By the network address only: a header the visitor chooses must not make a new visitor.
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=LAPTOP)
    client.get("/help/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT=PHONE)
    assert visitors("day") == 2


@pytest.mark.parametrize("agent", ["", "Googlebot/2.1", "Mozilla/5.0 (compatible; bingbot/2.0)"])
def test_robots_are_not_counted(client, agent):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=agent)
    assert visitors("day") == 0


def test_prefetches_are_not_counted(client):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE, HTTP_SEC_PURPOSE="prefetch")
    assert visitors("day") == 0


def test_the_page_is_served_when_counting_fails(client, monkeypatch, caplog):
    from django.db import OperationalError

    def broken(request, nation="all"):
        raise OperationalError("database is locked")

    monkeypatch.setattr("netsafe.prevention.public_views.count_visit", broken)
    response = client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    assert response.status_code == 200
    assert "self-help visit not counted" in caplog.text


def test_staff_see_the_days_visitors(client, handler):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    client.get("/help/", REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT=LAPTOP)
    client.force_login(handler)
    assert b"Self-help site: 2 visitors on this day" in client.get("/prevention/").content


def test_a_new_salt_each_day_so_visits_cannot_be_linked_across_days(client):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    cache = visit_cache()
    today = timezone.localdate()
    day_salt = cache.get(f"prevention:salt:day:{today.isoformat()}")
    month_salt = cache.get(f"prevention:salt:month:{today.replace(day=1).isoformat()}")
    assert day_salt
    assert month_salt
    assert day_salt != month_salt


def test_declared_nation_counts_once_a_month(client):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    for _ in range(2):
        response = client.post(
            "/help/where/", {"nation": "wales"}, REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE
        )
        assert response.status_code == 302
    assert visitors("month", "wales") == 1
    assert visitors("month") == 1


def test_declaring_an_unknown_nation_is_refused(client):
    response = client.post("/help/where/", {"nation": "atlantis"}, HTTP_USER_AGENT=PHONE)
    assert response.status_code == 400
    assert b"Choose where you live" in response.content
    assert not SelfHelpVisits.objects.exclude(nation="all").exists()


def test_public_pages_set_no_cookie(client):
    for path in ("/help/", "/help/families/", "/help/families/first-days/"):
        response = client.get(path, REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
        assert not response.cookies, f"{path} set {list(response.cookies)}"
    response = client.post("/help/where/", {"nation": "wales"}, HTTP_USER_AGENT=PHONE)
    assert not response.cookies


def test_no_ip_address_is_stored_anywhere(client):
    client.get("/help/", REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    client.post("/help/where/", {"nation": "wales"}, REMOTE_ADDR=IP, HTTP_USER_AGENT=PHONE)
    # Not in any table of the prevention database ...
    with connections["prevention"].cursor() as cursor:
        for table in connections["prevention"].introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert IP not in repr(row), table
                assert PHONE not in repr(row), table
    # ... nor in the cache, where only salts and salted digests live until the period ends.
    store = visit_cache()._cache
    assert store
    for key, value in store.items():
        assert IP not in key
        assert IP.encode() not in value
        assert b"Android" not in value
