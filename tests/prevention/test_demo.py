"""The demo loader: the three charity users and the published figures, idempotently."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from prevention_helpers import BOTH

from netsafe.accounts.models import User
from netsafe.accounts.roles import POLICE_ROLES, Role
from netsafe.prevention import demo
from netsafe.prevention.aggregates import before_after, help_seeking
from netsafe.prevention.models import Contact, Escalation, SelfHelpVisits

pytestmark = pytest.mark.django_db(databases=BOTH)

PASSWORD = "demo-password-for-tests"


def test_demo_loads_once_and_matches_what_was_published():
    summary = demo.load(PASSWORD)
    assert summary["users"] == ["charity-analyst", "helpline-handler", "helpline-supervisor"]
    assert summary["contacts_created"] > 1000
    assert (summary["help_seeking"]["before"], summary["help_seeking"]["after"]) == (900, 1350)
    counts = (Contact.objects.count(), Escalation.objects.count(), SelfHelpVisits.objects.count())

    again = demo.load(PASSWORD)
    assert again["contacts_created"] == 0
    assert (Contact.objects.count(), Escalation.objects.count()) == counts[:2]
    assert SelfHelpVisits.objects.count() == counts[2]
    assert User.objects.filter(username__in=demo.DEMO_USERS).count() == 3

    # What the statistics engineer will read.
    assert before_after("wales") == {
        "region": "wales",
        "after": 1350,
        "before": 900,
        "change": 0.5,
        "after_period": ["2016-11-01", "2017-10-31"],
        "before_period": ["2015-11-01", "2016-10-31"],
    }
    months = help_seeking("wales", demo.BEFORE[0], demo.TAIL[1], by="month")
    assert len(months) == 27
    before, after, tail = months[:12], months[12:24], months[24:]
    # A step at launch: every month after it is busier than the same month before.
    assert all(a.people > b.people for a, b in zip(after, before, strict=True))
    assert after[0].people == max(m.people for m in months)  # the launch month peaks
    # The operation's last months stay at the new level.
    assert min(m.people for m in tail) > max(m.people for m in before) * 0.9
    # Returning callers: some codes appear more than once.
    assert Contact.objects.exclude(caller_code="").count() > len(
        set(Contact.objects.exclude(caller_code="").values_list("caller_code", flat=True))
    )


def test_demo_users_have_their_roles_no_force_and_the_password_from_the_environment(
    monkeypatch,
):
    monkeypatch.setenv("NETSAFE_DEMO_PASSWORD", "from-the-environment-1")
    demo.load()
    for username, role in demo.DEMO_USERS.items():
        user = authenticate(username=username, password="from-the-environment-1")
        assert user is not None, username
        assert user.force is None
        assert user.roles == frozenset({role})
        assert user.is_prevention
        assert not user.roles & POLICE_ROLES
    assert demo.DEMO_USERS["helpline-handler"] == Role.CALL_HANDLER


def test_without_a_password_the_platform_demo_password_is_used(monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
    users = pytest.importorskip("netsafe.demo.users", reason="the platform demo is not built yet")
    demo.load()
    assert authenticate(username="helpline-handler", password=users.demo_password())
