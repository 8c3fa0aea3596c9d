"""Administrators manage users and see figures; they never read casework or helpline content
(issue 12, finding 1).

"Administrators read every force's casework through the audit log.
/audit/?model=casework.subject&action=create then /audit/<id>/ shows names, dates of
birth and notes in full; /audit/?action=search shows every force's search terms. [...]
An administrator can also give itself the operation-lead role (audited, but effective
at once) or create a helpline supervisor and read the helpline's notes." And:
"createuser --role officer --role admin makes a superuser with casework access".
"""

from __future__ import annotations

from datetime import date

import pytest
import typer
from django.urls import reverse
from tests.casework import factories as cf
from tests.factories import make_user
from typer.testing import CliRunner

from netsafe import platform_cli
from netsafe.accounts import grants
from netsafe.accounts.models import RoleGrant, User
from netsafe.accounts.roles import Role
from netsafe.accounts.services import AccountError, create_user
from netsafe.audit.context import audit_context
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

SECRET_NAME = "Quartermaine"
SECRET_NOTE = "keeps the photographs in the loft"
PASS = "a-long-enough-passphrase"


@pytest.fixture
def logged():
    """A Gwent officer creates a subject and searches for it: the log holds their content."""
    officer = make_user("gw-officer", "gwent", Role.OFFICER)
    with audit_context(user=officer, actor="test"):
        subject = cf.subject(
            "gwent",
            given_names="Zebediah",
            family_name=SECRET_NAME,
            date_of_birth=date(1977, 7, 7),
            notes=SECRET_NOTE,
        )
    return subject


def _admin(name="site-admin"):
    return create_user(name, None, [Role.ADMINISTRATOR], PASS)


def test_the_audit_list_and_entry_show_an_administrator_figures_not_content(client, logged):
    client.force_login(make_user("gw-off2", "gwent", Role.OFFICER))
    client.get(reverse("casework:subject-list"), {"q": SECRET_NAME})
    client.force_login(_admin())
    listed = client.get("/audit/", {"model": "casework.subject", "action": "create"})
    assert listed.status_code == 200
    html = listed.content.decode()
    assert SECRET_NAME not in html
    entry = AuditEntry.objects.get(model="casework.subject", action="create")
    assert f'href="/audit/{entry.seq}/"' in html  # the figures are there: the entry itself
    detail = client.get(f"/audit/{entry.seq}/").content.decode()
    for content in (SECRET_NAME, "1977-07-07", "7 July 1977", SECRET_NOTE, "Zebediah"):
        assert content not in detail, content
    # Who, when, what kind and which record are shown.
    assert "gw-officer" in detail
    assert '<dd class="govuk-summary-list__value">Subject</dd>' in detail  # in words
    assert f"(id {logged.pk})" in detail
    assert "Family name" in detail  # which fields, not what they hold
    searches = client.get("/audit/", {"action": "search"}).content.decode()
    assert SECRET_NAME not in searches
    assert "gw-off2" in searches


def test_the_forces_supervisor_still_reads_the_content(client, logged):
    client.force_login(make_user("gw-sup", "gwent", Role.SUPERVISOR))
    entry = AuditEntry.objects.get(model="casework.subject", action="create")
    detail = client.get(f"/audit/{entry.seq}/").content.decode()
    assert SECRET_NAME in detail
    assert SECRET_NOTE in detail


def test_a_supervisors_reading_does_not_carry_content_to_the_administrator(client, logged):
    entry = AuditEntry.objects.get(model="casework.subject", action="create")
    client.force_login(make_user("gw-sup", "gwent", Role.SUPERVISOR))
    client.get(f"/audit/{entry.seq}/")
    client.force_login(_admin())
    html = client.get("/audit/").content.decode()
    assert SECRET_NAME not in html
    reading = AuditEntry.objects.filter(model="audit.auditentry", username="gw-sup").latest("seq")
    assert SECRET_NAME not in client.get(f"/audit/{reading.seq}/").content.decode()


@pytest.mark.parametrize(
    "roles",
    [
        [Role.OFFICER, Role.ADMINISTRATOR],
        [Role.OPERATION_LEAD, Role.ADMINISTRATOR],
        [Role.ANALYST, Role.ADMINISTRATOR],
        [Role.HELPLINE_SUPERVISOR, Role.ADMINISTRATOR],
    ],
)
def test_administrator_is_never_combined_with_police_or_charity_roles(roles):
    force = "gwent" if Role.OFFICER in roles else None
    if force:
        make_user("someone", "gwent", Role.OFFICER)
    with pytest.raises(AccountError, match="an administrator cannot also hold"):
        create_user("combo", force, roles, PASS)
    assert not User.objects.filter(username="combo").exists()


@pytest.mark.django_db(databases=["default", "prevention"])
def test_createuser_command_refuses_officer_with_admin():
    make_user("someone", "gwent", Role.OFFICER)
    app = typer.Typer()
    platform_cli.register(app)
    result = CliRunner().invoke(
        app,
        [
            *("createuser", "combo", "--force", "gwent"),
            *("--role", "officer", "--role", "admin", "--password-stdin"),
        ],
        input=PASS + "\n",
    )
    assert result.exit_code == 2
    assert "an administrator cannot also hold police or charity roles" in result.output
    assert not User.objects.filter(username="combo").exists()


def _change(client, user, roles, force_id):
    return client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "username": user.username,
            "first_name": "",
            "last_name": "",
            "email": user.email,
            "force": force_id or "",
            "roles": roles,
            "is_active": "on",
            "is_staff": "on" if user.is_staff else "",
            "is_superuser": "on" if user.is_superuser else "",
            "date_joined_0": "2017-01-01",
            "date_joined_1": "09:00:00",
        },
    )


def test_an_administrator_cannot_give_itself_the_operation_lead_role(client):
    admin = _admin()
    client.force_login(admin)
    response = _change(client, admin, [Role.ADMINISTRATOR, Role.OPERATION_LEAD], None)
    assert response.status_code == 200
    assert "an administrator cannot also hold" in response.content.decode()
    assert User.objects.get(pk=admin.pk).roles == {Role.ADMINISTRATOR}


def test_police_roles_wait_for_a_second_administrator_who_is_told_to_the_first(client):
    first, second = _admin("first-admin"), _admin("second-admin")
    user = make_user("new-lead", None, Role.ANALYST)
    client.force_login(first)
    response = _change(client, user, [Role.OPERATION_LEAD], None)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Not effective at once: the analyst keeps nothing it was not given before.
    assert User.objects.get(pk=user.pk).roles == set()
    grant = RoleGrant.objects.get(user=user, status="pending")
    assert (grant.roles, grant.requested_by) == ([Role.OPERATION_LEAD], first)
    assert AuditEntry.objects.filter(action="grant-requested", object_id=str(user.pk)).exists()
    # The first administrator cannot approve their own request.
    page = client.get("/accounts/grants/").content.decode()
    assert "Another administrator must decide." in page
    client.post(f"/accounts/grants/{grant.pk}/approve/")
    assert RoleGrant.objects.get(pk=grant.pk).status == "pending"
    assert User.objects.get(pk=user.pk).roles == set()
    # The second approves.
    client.force_login(second)
    assert "new-lead" in client.get("/accounts/grants/").content.decode()
    client.post(f"/accounts/grants/{grant.pk}/approve/")
    assert User.objects.get(pk=user.pk).roles == {Role.OPERATION_LEAD}
    approved = AuditEntry.objects.get(action="grant-approved", object_id=str(user.pk))
    assert approved.username == "second-admin"
    # The first is told on their next page, once.
    client.force_login(first)
    told = client.get("/accounts/grants/").content.decode()
    assert "second-admin approved your request to give new-lead the roles operation-lead" in told
    assert "approved your request" not in client.get("/accounts/grants/").content.decode()


def test_creating_a_helpline_supervisor_waits_for_approval_and_can_be_rejected(client):
    first, second = _admin("first-admin"), _admin("second-admin")
    client.force_login(first)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "new-helpline-sup",
            "roles": [Role.HELPLINE_SUPERVISOR],
            "password1": PASS,
            "password2": PASS,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-helpline-sup")
    assert user.roles == set()
    client.force_login(user)
    assert client.get("/prevention/").status_code == 404
    grant = RoleGrant.objects.get(user=user)
    with audit_context(user=second):
        grants.reject(grant, by=second)
    assert User.objects.get(pk=user.pk).roles == set()
    with pytest.raises(AccountError, match="already decided"):
        grants.approve(grant, by=second)


def test_moving_an_officer_to_another_force_waits_for_approval(client):
    first, second = _admin("first-admin"), _admin("second-admin")
    officer = make_user("mover", "gwent", Role.OFFICER)
    north_wales = make_user("nw", "north-wales", Role.OFFICER).force
    client.force_login(first)
    assert _change(client, officer, [Role.OFFICER], north_wales.pk).status_code == 302
    assert User.objects.get(pk=officer.pk).force.slug == "gwent"
    with audit_context(user=second):
        grants.approve(RoleGrant.objects.get(user=officer), by=second)
    moved = User.objects.get(pk=officer.pk)
    assert (moved.force.slug, moved.roles) == ("north-wales", {Role.OFFICER})


def test_taking_roles_away_applies_at_once(client):
    client.force_login(_admin())
    user = make_user("demote-me", "gwent", Role.OFFICER, Role.SUPERVISOR)
    assert _change(client, user, [Role.OFFICER], user.force_id).status_code == 302
    assert User.objects.get(pk=user.pk).roles == {Role.OFFICER}
    assert not RoleGrant.objects.exists()
