"""Police roles get 404 on every prevention page and endpoint; the charity gets no casework.

Both tests walk the URL patterns, so a page added later is covered without
anyone remembering to list it here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from prevention_helpers import BOTH

from netsafe.prevention.nav import items as nav_items
from netsafe.prevention.selfhelp import MODULES

pytestmark = pytest.mark.django_db(databases=BOTH)


def walk(patterns=None, namespace=None):
    """(namespace, name, kwarg names) of every named URL pattern, resolvers followed."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, sorted(entry.pattern.regex.groupindex)


def urls_in(namespace: str, samples: dict) -> list[str]:
    urls = set()
    for ns, name, kwargs in walk():
        if name is None:
            continue
        if ns != namespace:
            continue
        missing = set(kwargs) - set(samples)
        assert not missing, f"{ns}:{name} takes {missing}: add a sample value to this test"
        urls.add(reverse(f"{ns}:{name}", kwargs={k: samples[k] for k in kwargs}))
    assert urls, f"no URL patterns in namespace {namespace!r}"
    return sorted(urls)


@pytest.fixture
def staff_urls(contact):
    return urls_in("prevention", {"pk": contact.pk})


def test_every_police_role_is_refused_every_prevention_url(client, staff_urls, police_users):
    for user in police_users:
        client.force_login(user)
        for url in staff_urls:
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code == 404, f"{user.username} {method.__name__} {url}"
                assert b"OAK-42" not in response.content
        assert nav_items(user) == []


def test_anonymous_users_are_sent_to_log_in(client, staff_urls):
    for url in staff_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_handlers_and_supervisors_reach_every_staff_page(client, staff_urls, handler, supervisor):
    for user in (handler, supervisor):
        client.force_login(user)
        for url in staff_urls:
            assert client.get(url).status_code == 200, f"{user.username} {url}"


def test_analysts_see_figures_but_no_contact(client, staff_urls, analyst, contact):
    client.force_login(analyst)
    figures = {reverse("prevention:trends"), reverse("prevention:heard")}
    for url in staff_urls:
        status = client.get(url).status_code
        if url in figures:
            assert status == 200, url
        elif url == reverse("prevention:today"):
            assert status == 302, url
        else:
            assert status == 404, url
    assert [label for label, _ in nav_items(analyst)] == ["Trends", "What brings people"]


def test_public_pages_need_no_log_in(client):
    module = MODULES[0]
    samples = {"module_slug": module.slug, "page_slug": module.pages[0].slug}
    for url in urls_in("selfhelp", samples):
        if url == reverse("selfhelp:declare"):
            assert client.post(url, {"nation": "wales"}).status_code == 302
        else:
            assert client.get(url, HTTP_USER_AGENT="Mozilla/5.0").status_code == 200, url


#: The police side: casework pages and API, the audit log, the operation's statistics, returns.
POLICE_NAMESPACES = ("casework", "api", "audit", "stats", "returns")


def test_prevention_roles_get_nothing_of_the_police_side(client, handler, supervisor, analyst):
    """Every police-side page and API endpoint, with a real casework record of each kind."""
    cf = pytest.importorskip("tests.casework.factories", reason="casework not built yet")
    records = {obj._meta.model_name: obj for obj in cf.case("south-wales").records()}
    checked = 0
    for user in (handler, supervisor, analyst):
        client.force_login(user)
        for ns, name, kwargs in walk():
            if ns not in POLICE_NAMESPACES or "format" in kwargs or name in (None, "docs"):
                continue
            if name == "schema":
                continue
            # Any other argument (a step of a form, say) takes 1: access is decided by the record.
            values = {k: 1 for k in kwargs if k != "pk"}
            if "pk" in kwargs:
                model = name.rsplit("-", 1)[0] if ns == "api" else name.split("-")[0]
                if model not in records:
                    continue
                values["pk"] = records[model].pk
            url = reverse(f"{ns}:{name}", kwargs=values)
            response = client.get(url)
            checked += 1
            if name == "api-root" and response.status_code == 200:
                # DRF's router root lists endpoint links, no record: allowed, but only that.
                links = response.json()
                assert all(v.startswith("http") for v in links.values()), links
            elif response.status_code == 302:
                # The casework home sends charity staff to their own pages.
                assert response["Location"].startswith("/prevention/"), url
            else:
                assert response.status_code in (403, 404), f"{user.username} {url}"
    assert checked > 10
