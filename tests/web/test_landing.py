"""After signing in, each role starts where its work is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import PASSWORD, make_user

from netsafe.accounts.roles import Role

pytestmark = pytest.mark.django_db(databases=["default", "prevention"])


def sign_in(client, username: str, next_url: str | None = None) -> str:
    """Post the sign-in form (from ``/accounts/login/?next=...``); where it sends us."""
    url = "/accounts/login/" + (f"?next={next_url}" if next_url is not None else "")
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.mark.parametrize(
    ("force", "role", "start"),
    [
        ("gwent", Role.OFFICER, "/my-work/"),
        ("gwent", Role.SUPERVISOR, "/my-work/"),
        ("gwent", Role.EXAMINER, "/my-work/"),
        ("gwent", Role.SAFEGUARDING, "/my-work/"),
        (None, Role.OPERATION_LEAD, "/my-work/"),
        (None, Role.ANALYST, "/stats/"),
        (None, Role.CHARITY_ANALYST, "/prevention/trends/"),
        (None, Role.ADMINISTRATOR, "/"),
    ],
)
@pytest.mark.parametrize("next_url", [None, "/"])
def test_each_role_starts_where_its_work_is(client, force, role, start, next_url):
    make_user("someone", force, role)
    # Typing the site's address sends people to sign in with next=/: no choice of theirs.
    assert sign_in(client, "someone", next_url) == start
    assert client.get(start).status_code == 200


def test_a_page_asked_for_is_still_where_sign_in_goes(client):
    make_user("officer", "gwent", Role.OFFICER)
    assert sign_in(client, "officer", "/subjects/") == "/subjects/"


@pytest.mark.parametrize("role", [Role.CALL_HANDLER, Role.HELPLINE_SUPERVISOR])
def test_call_handlers_start_on_the_latest_day_with_contacts(client, role):
    from netsafe.prevention.models import Contact

    make_user("handler", None, role)
    # Nothing logged at all: today's (empty) page, nothing better to show.
    assert sign_in(client, "handler") == "/prevention/"
    client.logout()
    now = timezone.localtime()
    earlier = now - timedelta(days=9)
    Contact.objects.create(
        occurred_at=earlier, caller_type="self", region="wales-gwent", duration_minutes=5
    )
    start = sign_in(client, "handler")
    assert start == f"/prevention/?day={earlier.date().isoformat()}"
    page = client.get(start)
    assert page.status_code == 200
    assert len(page.context["contacts"]) == 1
    # With a contact today, today it is.
    client.logout()
    Contact.objects.create(
        occurred_at=now, caller_type="self", region="wales-gwent", duration_minutes=5
    )
    assert sign_in(client, "handler") == "/prevention/"


def test_charity_staff_typing_the_address_go_to_their_pages(client):
    make_user("handler", None, Role.CALL_HANDLER)
    client.login(username="handler", password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/prevention/")
