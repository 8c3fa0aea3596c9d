"""The demo users and their password."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from netsafe.accounts.models import User
from netsafe.accounts.roles import Role
from netsafe.demo.users import DEFAULT_PASSWORD, DemoError, demo_password, demo_users, ensure_users

pytestmark = pytest.mark.django_db

FORCE_ROLE_NAMES = [
    f"{force}-{role}"
    for force in ("south-wales", "gwent", "dyfed-powys", "north-wales")
    for role in ("officer", "supervisor", "examiner", "safeguarding")
]


@pytest.fixture(autouse=True)
def _no_demo_password(monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)


def test_one_user_per_force_and_role_and_the_operation_users():
    users = ensure_users(demo_password())
    assert sorted(users) == sorted(
        [*FORCE_ROLE_NAMES, "operation-lead", "operation-analyst", "admin"]
    )
    officer = User.objects.get(username="gwent-officer")
    assert officer.force.slug == "gwent"
    assert officer.roles == {Role.OFFICER}
    assert User.objects.get(username="north-wales-examiner").roles == {Role.EXAMINER}
    lead = User.objects.get(username="operation-lead")
    assert lead.force is None
    assert lead.roles == {Role.OPERATION_LEAD}
    assert User.objects.get(username="operation-analyst").roles == {Role.ANALYST}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.roles == {Role.ADMINISTRATOR}
    assert not officer.is_staff
    assert authenticate(username="dyfed-powys-safeguarding", password=DEFAULT_PASSWORD)


def test_loading_again_puts_the_users_back_without_duplicates():
    ensure_users(DEFAULT_PASSWORD)
    officer = User.objects.get(username="south-wales-officer")
    officer.set_roles([Role.SUPERVISOR])
    officer.is_active = False
    officer.save()
    password_hash = User.objects.get(username="gwent-officer").password
    ensure_users(DEFAULT_PASSWORD)
    assert User.objects.filter(username__in=[u.username for u in demo_users()]).count() == 19
    officer = User.objects.get(username="south-wales-officer")
    assert officer.is_active
    assert officer.roles == {Role.OFFICER}
    # An unchanged password keeps its hash, so that logged-in demo users stay logged in.
    assert User.objects.get(username="gwent-officer").password == password_hash


def test_the_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("NETSAFE_DEMO_PASSWORD", "a-long-chosen-demo-secret")
    assert demo_password() == "a-long-chosen-demo-secret"
    ensure_users(demo_password())
    assert authenticate(username="gwent-supervisor", password="a-long-chosen-demo-secret")
    assert not authenticate(username="gwent-supervisor", password=DEFAULT_PASSWORD)


def test_production_refuses_the_default_password(settings, monkeypatch):
    settings.PRODUCTION = True
    with pytest.raises(DemoError, match="NETSAFE_DEMO_PASSWORD"):
        demo_password()
    monkeypatch.setenv("NETSAFE_DEMO_PASSWORD", "a-long-chosen-demo-secret")
    assert demo_password() == "a-long-chosen-demo-secret"


def test_a_weak_password_is_refused_with_the_reason():
    with pytest.raises(DemoError, match="too short"):
        ensure_users("short")
    assert not User.objects.filter(username="admin").exists()


def test_a_password_one_demo_user_refuses_is_explained_before_anything_is_loaded(monkeypatch):
    """The password of the issue: long and mixed, but like "dyfed-powys-examiner"."""
    from netsafe.casework.models import Warrant
    from netsafe.demo.loading import load

    monkeypatch.setenv("NETSAFE_DEMO_PASSWORD", "Ux-Demo-Passw0rd!")
    with pytest.raises(DemoError) as refused:
        load(prevention=False)
    message = str(refused.value)
    assert "NETSAFE_DEMO_PASSWORD is the one password of all 19 demo users" in message
    assert "must pass Django's password checks for every one of them" in message
    assert "For demo user dyfed-powys-examiner it fails: The password is too similar" in message
    assert "Nothing was loaded" in message
    assert "unset NETSAFE_DEMO_PASSWORD" in message
    assert ".." not in message
    # Fail fast: not one user or record was written before the refusal.
    assert not User.objects.exists()
    assert not Warrant.objects.exists()


def test_the_charity_users_count_when_their_demo_is_loaded_too(monkeypatch):
    from netsafe.demo.loading import load

    monkeypatch.setenv("NETSAFE_DEMO_PASSWORD", "short")
    with pytest.raises(DemoError, match="all 22 demo users") as refused:
        load()
    assert "This password is too short" in str(refused.value)
    assert "and 16 more" in str(refused.value)
    assert not User.objects.exists()
