"""Tracked models are logged on every create, change and delete, with the acting user."""

from __future__ import annotations

import pytest
from tests.factories import make_user

from netsafe.accounts.models import Force
from netsafe.audit import record, verify
from netsafe.audit.context import audit_context, current
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _last(**filters) -> AuditEntry:
    return AuditEntry.objects.filter(**filters).order_by("-seq").first()


def test_create_change_and_delete_are_logged_with_old_and_new_values():
    admin = make_user("track-admin", None, "admin")
    with audit_context(user=admin, reason="new force joins", actor="test"):
        kent = Force.objects.create(slug="kent", name="Kent Police", weight=5)
        created = _last(model="accounts.force", action="create")
        kent.name = "Kent Constabulary"
        kent.save()
        changed = _last(model="accounts.force", action="update")
        kent_pk = kent.pk
        kent.delete()
        deleted = _last(model="accounts.force", action="delete")

    assert created.object_id == str(kent_pk)
    assert created.changes["name"] == [None, "Kent Police"]
    assert created.username == "track-admin"
    assert created.reason == "new force joins"
    assert created.actor == "test"
    assert changed.changes == {"name": ["Kent Police", "Kent Constabulary"]}
    assert changed.object_force == "kent"
    assert deleted.changes["slug"] == ["kent", None]
    assert deleted.object_repr == "Kent Constabulary"
    assert verify().ok


def test_a_save_that_changes_nothing_is_not_logged():
    gwent = Force.objects.get(slug="gwent")
    before = AuditEntry.objects.count()
    gwent.save()
    assert AuditEntry.objects.count() == before


def test_role_changes_are_logged_and_passwords_never_are():
    user = make_user("track-officer", "north-wales", "officer")
    user.set_roles(["officer", "supervisor"])
    entry = _last(model="accounts.user", action="update", object_id=str(user.pk))
    assert entry.changes == {"groups": [["officer"], ["officer", "supervisor"]]}
    user.set_password("another-long-password")
    user.save()
    assert not AuditEntry.objects.filter(changes__has_key="password").exists()
    created = _last(model="accounts.user", action="create", object_id=str(user.pk))
    assert "password" not in created.changes
    assert created.changes["force"] == [None, user.force_id]
    assert created.object_force == "north-wales"


def test_without_a_context_the_system_is_the_actor():
    assert current().user is None
    entry = record("export", Force, detail="all forces")
    assert entry.username == ""
    assert entry.user_id is None
    assert entry.actor == "system"
    assert entry.model == "accounts.force"
    assert entry.object_id == ""


def test_contexts_nest_keeping_what_they_do_not_override():
    officer = make_user("nest-officer", "gwent", "officer")
    with audit_context(user=officer, actor="web: GET /x"):
        with audit_context(reason="court order 123"):
            entry = record("view", officer)
        outer = record("view", officer)
    assert (entry.username, entry.reason, entry.actor) == (
        "nest-officer",
        "court order 123",
        "web: GET /x",
    )
    assert outer.reason == ""
    assert current().user is None
