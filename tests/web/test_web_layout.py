"""The base layout: skip link, header (user, force, POST log-out), navigation, static assets."""

from __future__ import annotations

import re

import pytest
from django.template import RequestContext, Template
from django.template.defaultfilters import urlencode
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils.html import escape
from tests.factories import PASSWORD, make_user

from netsafe.web.context_processors import navigation_for

pytestmark = pytest.mark.django_db


def nav_for_tests(user) -> list[tuple[str, str]]:
    """A navigation provider as another area would write one."""
    return [("Cases", "/cases/"), ("New case", "/cases/new/")]


def _login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_login_page_has_skip_link_landmarks_and_labelled_inputs(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en-GB"' in html
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert 'id="main-content"' in html
    assert "<main" in html
    assert "<header" in html
    assert html.count("<h1") == 1
    assert "autofocus" not in html  # it would skip the heading and the skip link
    for input_id in re.findall(r'<input[^>]*\bid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, f"input {input_id} has no label"
    assert "<script>" not in html
    assert "style=" not in html
    assert 'type="module" src="/static/netsafe/netsafe.js"' in html


def test_header_shows_user_force_and_a_post_log_out(client):
    officer = make_user("layout-officer", "dyfed-powys", "officer")
    _login(client, officer)
    html = client.get("/accounts/password/").content.decode()
    assert "layout-officer" in html
    assert "Dyfed-Powys Police" in html
    assert re.search(r'<form method="post" action="/accounts/logout/"', html)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/accounts/password/").status_code == 302  # signed out


@override_settings(
    NETSAFE_NAVIGATION=["tests.web.test_web_layout.nav_for_tests", "netsafe.web.nav.items"]
)
def test_navigation_comes_from_every_provider_and_marks_the_current_page():
    supervisor = make_user("layout-supervisor", "gwent", "supervisor")
    links = navigation_for(supervisor, "/cases/new/")
    assert [link["label"] for link in links] == ["Cases", "New case", "Audit log"]
    assert [link["current"] for link in links] == [False, True, False]
    officer = make_user("layout-officer2", "gwent", "officer")
    assert [link["label"] for link in navigation_for(officer, "/")] == ["Cases", "New case"]


@override_settings(NETSAFE_NAVIGATION=["tests.web.test_web_layout.nav_for_tests"])
def test_navigation_is_rendered_with_the_current_page_marked(client):
    _login(client, make_user("layout-nav", "gwent", "officer"))
    html = client.get("/accounts/password/").content.decode()
    assert 'class="govuk-service-navigation"' in html
    assert 'href="/cases/"' in html
    assert "aria-current" not in html.split('href="/cases/"')[1].split(">")[0]


def test_anonymous_users_get_no_navigation():
    from django.contrib.auth.models import AnonymousUser

    assert navigation_for(AnonymousUser(), "/") == []


def test_base_template_blocks_render():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    template = Template(
        '{% extends "base.html" %}{% block title %}T1{% endblock %}'
        '{% block breadcrumbs %}<nav class="govuk-breadcrumbs">B1</nav>{% endblock %}'
        "{% block content %}<h1>C1</h1>{% endblock %}"
    )
    html = template.render(RequestContext(request, {}))
    assert "<title>T1 \N{EN DASH} NetSafe</title>" in html
    assert html.index("B1") < html.index('id="main-content"') < html.index("C1")


def test_static_assets_are_served(client):
    for path in (
        "/static/netsafe/netsafe.css",
        "/static/netsafe/netsafe.js",
        "/static/vendor/govuk/govuk-frontend.min.css",
        "/static/vendor/govuk/govuk-frontend.min.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_not_found_page_uses_the_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def _fresh(user) -> list[tuple[str, str]]:
    """Every provider asked now, as each page once did."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return [
        (str(label), url)
        for path in settings.NETSAFE_NAVIGATION
        for label, url in import_string(path)(user)
    ]


def test_the_menu_asked_once_per_kind_of_user_is_what_every_provider_gives():
    """The menu is kept per roles, flags, force and language (what the permission gate
    reads): for every kind of user it is what asking each provider gives, and a user
    whose roles change gets their new menu at once."""
    from django.utils import translation

    from netsafe.accounts.roles import Role

    users = [make_user(f"r-{role}", "gwent", role) for role in Role.values]
    users += [
        make_user("lead-nav", None, Role.OPERATION_LEAD),
        make_user("admin-nav", None, Role.ADMINISTRATOR, is_staff=True),
        make_user("super-nav", None, is_staff=True, is_superuser=True),
        make_user("two-roles", "north-wales", Role.SUPERVISOR, Role.EXAMINER),
        make_user("no-roles", "gwent"),
        make_user("gone-nav", "gwent", Role.OFFICER, is_active=False),
    ]
    for language in ("en-gb", "cy"):
        with translation.override(language):
            for _ in range(2):  # the second time from what was kept
                for user in users:
                    kept = [(link["label"], link["url"]) for link in navigation_for(user, "/")]
                    assert kept == _fresh(user), (language, user.username)
    changed = users[0]
    before = navigation_for(changed, "/")
    changed.set_roles([Role.OPERATION_LEAD])
    assert navigation_for(changed, "/") != before
    assert [(link["label"], link["url"]) for link in navigation_for(changed, "/")] == _fresh(
        changed
    )


def _header(html: str) -> str:
    return html[html.index("<header") : html.index("<main")]


def test_the_kept_header_is_each_users_own_with_this_requests_path_and_token(client):
    """The header and menu are drawn once per user and language, then kept: each request
    still gets its own address in the language link and its own CSRF token, and a changed
    name or another user is drawn anew."""
    officer = make_user("layout-kept", "gwent", "officer", first_name="Nia", last_name="Rees")
    _login(client, officer)
    first = _header(client.get("/accounts/password/").content.decode())
    assert "Nia Rees" in first
    assert "Gwent Police" in first
    response = client.get("/accounts/password/?q=<b>&x=1 2")
    header = _header(response.content.decode())
    path = urlencode(response.wsgi_request.get_full_path())
    assert f'href="{reverse("account-language")}?next={escape(path)}"' in header
    assert "<b>" not in header  # the address is encoded, never markup
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first + header)
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]  # masked anew for each request
    # The kept header's log-out form works: its token is this session's.
    client.handler.enforce_csrf_checks = True
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[1]}).status_code == 302
    client.handler.enforce_csrf_checks = False

    officer.first_name = "Nia Angharad"
    officer.save()
    _login(client, officer)
    assert "Nia Angharad Rees" in _header(client.get("/accounts/password/").content.decode())
    other = make_user("layout-kept-2", "north-wales", "officer")
    _login(client, other)
    header = _header(client.get("/accounts/password/").content.decode())
    assert "North Wales Police" in header
    assert "Gwent" not in header
    assert "Nia" not in header
