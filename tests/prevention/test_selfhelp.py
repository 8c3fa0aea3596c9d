"""The public self-help site: every page, no log-in, the helpline everywhere, not police."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from prevention_helpers import BOTH

from netsafe.prevention.conf import helpline
from netsafe.prevention.selfhelp import MODULES

pytestmark = pytest.mark.django_db(databases=BOTH)


def public_paths() -> list[str]:
    paths = [reverse("selfhelp:index")]
    for module in MODULES:
        paths.append(reverse("selfhelp:module", args=[module.slug]))
        paths += [reverse("selfhelp:page", args=[module.slug, p.slug]) for p in module.pages]
    return paths


def test_the_modules_the_issue_asks_for():
    own, families = MODULES
    assert [p.title for p in own.pages] == [
        "Why change",
        "Understanding why",
        "The online world",
        "Habits and triggers",
        "Staying stopped",
    ]
    assert families.pages


@pytest.mark.parametrize("path", public_paths())
def test_public_page(client, path):
    response = client.get(path, HTTP_USER_AGENT="Mozilla/5.0")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-GB">' in html
    assert html.count("<h1") == 1
    assert helpline()["phone"] in html
    assert 'name="viewport"' in html
    # It must not look like a police system.
    assert "NetSafe" not in html
    assert "govuk" not in html
    # One script only, the site's own: it makes "Leave this site quickly" replace the page.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/prevention/leave.js" defer>'
    ]


@pytest.mark.parametrize(
    "path", ["/help/nothing-here/", "/help/your-behaviour/nothing-here/", "/help/a/b/c.php"]
)
def test_unknown_pages_are_not_found_in_the_sites_own_layout(client, path):
    response = client.get(path, HTTP_USER_AGENT="Mozilla/5.0")
    assert response.status_code == 404
    html = response.content.decode()
    assert "NetSafe" not in html
    assert helpline()["phone"] in html


def test_pages_link_to_their_neighbours(client):
    html = client.get("/help/your-behaviour/online-world/").content.decode()
    assert 'href="/help/your-behaviour/understanding-why/"' in html
    assert 'href="/help/your-behaviour/habits-and-triggers/"' in html
