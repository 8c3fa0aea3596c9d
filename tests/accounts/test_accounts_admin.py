"""The admin site manages forces and users, roles as checkboxes."""

from __future__ import annotations

import re

import pytest
from tests.factories import make_user

from netsafe.accounts.models import User
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    from netsafe.accounts.services import create_user

    client.force_login(create_user("site-admin", None, ["admin"], "a-long-enough-passphrase"))
    return client


def _second_admin_approves(user: User) -> None:
    from netsafe.accounts import grants
    from netsafe.accounts.models import RoleGrant
    from netsafe.audit.context import audit_context

    second = User.objects.filter(username="second-admin").first() or make_user(
        "second-admin", None, "admin", is_staff=True
    )
    grant = RoleGrant.objects.get(user=user, status="pending")
    with audit_context(user=second):
        grants.approve(grant, by=second)


def test_user_form_shows_roles_as_checkboxes(admin_client):
    user = make_user("edit-me", "gwent", "officer")
    html = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    officer = re.search(r'<input type="checkbox" name="roles" value="officer"[^>]*>', html)
    supervisor = re.search(r'<input type="checkbox" name="roles" value="supervisor"[^>]*>', html)
    assert "checked" in officer.group(0)
    assert "checked" not in supervisor.group(0)


def test_adding_a_user_with_roles_sets_them_and_is_audited(admin_client):
    force_id = make_user("x", "north-wales", "officer").force_id
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "new-examiner",
            "first_name": "Ann",
            "last_name": "Jones",
            "email": "ann@example.invalid",
            "force": force_id,
            "roles": ["examiner"],
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-examiner")
    # A police role waits for a second administrator (two-person rule).
    assert user.roles == set()
    _second_admin_approves(user)
    assert User.objects.get(pk=user.pk).roles == {"examiner"}
    entry = AuditEntry.objects.filter(object_id=str(user.pk), action="create").get()
    assert entry.username == "site-admin"
    assert entry.actor == "web: POST /admin/accounts/user/add/"


def test_a_force_role_without_a_force_is_refused(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "no-force",
            "roles": ["officer"],
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 200
    assert "need a force" in response.content.decode()
    assert not User.objects.filter(username="no-force").exists()


def test_changing_roles_is_audited_with_old_and_new(admin_client):
    user = make_user("promote-me", "gwent", "officer")
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "force": user.force_id,
        "roles": ["officer", "supervisor"],
        "is_active": "on",
        "date_joined_0": "2017-01-01",
        "date_joined_1": "09:00:00",
    }
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=user.pk).roles == {"officer"}
    _second_admin_approves(user)
    assert User.objects.get(pk=user.pk).roles == {"officer", "supervisor"}
    entry = AuditEntry.objects.filter(object_id=str(user.pk), changes__has_key="groups").latest(
        "seq"
    )
    assert entry.changes["groups"][1] == ["officer", "supervisor"]
    assert entry.username == "second-admin"


def test_forces_can_be_added(admin_client):
    response = admin_client.post(
        "/admin/accounts/force/add/",
        {"name": "Avon and Somerset Police", "slug": "avon-somerset", "contact": "", "weight": 1},
    )
    assert response.status_code == 302


def test_non_administrators_cannot_use_the_admin(client):
    client.force_login(make_user("plain-officer", "gwent", "officer"))
    assert client.get("/admin/accounts/user/").status_code == 302
