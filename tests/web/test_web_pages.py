"""Every page without parameters, for every kind of user, meets the layout's basic rules.

Walks the URL resolver (nothing hand-listed, so new pages are covered) and,
for each HTML page that answers 200, checks: a language, exactly one h1, a
title, a label for every control, a main landmark, and no inline script or
style (the CSP forbids them).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from tests.factories import make_user

pytestmark = pytest.mark.django_db(databases=["default", "prevention"])

#: Pages that are not ours to check: the admin has its own templates, the API its own renderer.
SKIPPED_PREFIXES = ("admin/", "api/")
#: Downloads, not pages (and a PDF takes seconds to make).
SKIPPED_SUFFIXES = (".pdf", ".csv", ".json", ".zip", ".xlsx", ".txt")


def plain_paths(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every URL path of the project that takes no parameters."""
    resolver = resolver or get_resolver()
    paths = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or "\\" in route:
            continue
        route = route.lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            paths += plain_paths(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append(prefix + route)
    return sorted(
        {
            p
            for p in paths
            if not p.startswith(SKIPPED_PREFIXES) and not p.endswith(SKIPPED_SUFFIXES)
        }
    )


class PageFacts(HTMLParser):
    """What the checks need from one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.h1 = 0
        self.title = ""
        self._in_title = False
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.wrapped_controls = 0
        self.inline_scripts = 0
        self.inline_styles = 0
        self.main = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in {"input", "select", "textarea"}:
            if a.get("type") not in {"hidden", "submit", "button", "reset", "image"}:
                if self._label_depth:
                    self.wrapped_controls += 1
                else:
                    self.controls.append(a)
        elif tag == "script" and "src" not in a and a.get("type") != "application/json":
            self.inline_scripts += 1
        elif tag == "style":
            self.inline_styles += 1
        elif tag == "main":
            self.main = True
        if "style" in a:
            self.inline_styles += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def problems(html: str) -> list[str]:
    """What is wrong with one page, in words."""
    facts = PageFacts()
    facts.feed(html)
    found = []
    if not facts.lang:
        found.append("no lang on <html>")
    if facts.h1 != 1:
        found.append(f"{facts.h1} h1 elements")
    if not facts.title.strip():
        found.append("no title")
    for control in facts.controls:
        named = control.get("aria-label") or control.get("aria-labelledby")
        if not named and control.get("id") not in facts.label_for:
            found.append(f"no label for {control.get('name') or control.get('id')}")
    if facts.inline_scripts:
        found.append("inline script")
    if facts.inline_styles:
        found.append("inline style")
    if not facts.main:
        found.append("no <main> landmark")
    return found


USERS = [
    ("officer", "south-wales", ["officer"]),
    ("supervisor", "gwent", ["supervisor"]),
    ("examiner", "north-wales", ["examiner"]),
    ("lead", None, ["operation-lead"]),
    ("analyst", None, ["analyst"]),
    ("admin", None, ["admin"]),
    ("handler", None, ["call-handler"]),
    ("anonymous", None, []),
]


@pytest.mark.parametrize(("name", "force", "roles"), USERS, ids=[u[0] for u in USERS])
def test_every_plain_page_meets_the_basics(client, name, force, roles):
    if roles:
        client.force_login(make_user(f"pages-{name}", force, *roles))
    checked, failures = 0, {}
    for path in plain_paths():
        response = client.get(f"/{path}")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        if found := problems(response.content.decode()):
            failures[f"/{path}"] = found
    assert not failures, failures
    assert checked, "no page answered"


def test_the_walk_finds_the_shell_pages():
    paths = plain_paths()
    assert "accounts/login/" in paths
    assert "audit/" in paths
