"""The public self-help site in Welsh: every page, the switch, Welsh first for Welsh browsers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from prevention_helpers import BOTH
from tests.translations import untranslated, visible_texts

from netsafe.prevention.conf import helpline
from netsafe.prevention.models import SelfHelpVisits
from netsafe.prevention.selfhelp import MODULES

pytestmark = pytest.mark.django_db(databases=BOTH)

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}
WELSH_BROWSER = {**BROWSER, "HTTP_ACCEPT_LANGUAGE": "cy-GB,cy;q=0.9,en-GB;q=0.8,en;q=0.7"}


def english_paths() -> list[str]:
    """Every page of the public site, in English."""
    with translation.override("en-gb"):
        paths = [reverse("selfhelp:index"), reverse("selfhelp:index") + "?said=1"]
        for module in MODULES:
            paths.append(reverse("selfhelp:module", args=[module.slug]))
            paths += [reverse("selfhelp:page", args=[module.slug, p.slug]) for p in module.pages]
    return paths


def welsh(path: str) -> str:
    return "/cy" + path


def switch_link(html: str) -> str:
    found = re.search(r'<a class="switch" href="([^"]+)"', html)
    assert found, "no language switch on the page"
    return found.group(1).replace("&amp;", "&")


def test_welsh_addresses_are_the_english_ones_under_cy():
    with translation.override("cy"):
        assert reverse("selfhelp:index") == "/cy/help/"
        assert reverse("selfhelp:page", args=["families", "first-days"]) == (
            "/cy/help/families/first-days/"
        )


@pytest.mark.parametrize("path", english_paths())
def test_every_public_page_is_wholly_in_welsh(client, path):
    english = client.get(path, **BROWSER)
    cymraeg = client.get(welsh(path), **BROWSER)
    assert english.status_code == cymraeg.status_code == 200
    html = cymraeg.content.decode()
    assert '<html lang="cy">' in html
    assert cymraeg["Content-Language"] == "cy"
    assert helpline()["phone"] in html
    assert untranslated(english.content.decode(), html) == []


def test_the_site_not_found_page_is_in_welsh_too(client):
    english = client.get("/help/nothing-here/", **BROWSER)
    cymraeg = client.get("/cy/help/nothing-here/", **BROWSER)
    assert english.status_code == cymraeg.status_code == 404
    assert "Heb ddod o hyd i'r dudalen" in cymraeg.content.decode()
    assert untranslated(english.content.decode(), cymraeg.content.decode()) == []


def test_the_where_question_with_its_error_is_in_welsh(client):
    english = client.post("/help/where/", {"nation": "atlantis"}, **BROWSER)
    cymraeg = client.post("/cy/help/where/", {"nation": "atlantis"}, **BROWSER)
    assert english.status_code == cymraeg.status_code == 400
    html = cymraeg.content.decode()
    assert "Dewiswch ble rydych chi'n byw" in html
    assert untranslated(english.content.decode(), html) == []


def test_answering_in_welsh_stays_in_welsh(client):
    response = client.post("/cy/help/where/", {"nation": "wales"}, **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/cy/help/?said=1"
    assert "Diolch" in client.get(response["Location"], **BROWSER).content.decode()


@pytest.mark.parametrize("path", english_paths())
def test_the_switch_leads_to_the_same_page_in_the_other_language_and_sets_no_cookie(client, path):
    english = client.get(path, **BROWSER)
    to_welsh = switch_link(english.content.decode())
    assert to_welsh == welsh(path.split("?")[0])
    cymraeg = client.get(to_welsh, **BROWSER)
    assert cymraeg.status_code == 200
    to_english = switch_link(cymraeg.content.decode())
    back = client.get(to_english, **WELSH_BROWSER)
    # Even a browser that prefers Welsh gets the English it asked for.
    assert back.status_code == 200
    assert '<html lang="en-GB">' in back.content.decode()
    for response in (english, cymraeg, back):
        assert "Set-Cookie" not in response.headers
        assert not response.cookies
    assert not client.cookies


def test_the_switch_is_named_in_its_own_language(client):
    english = client.get("/help/", **BROWSER).content.decode()
    cymraeg = client.get("/cy/help/", **BROWSER).content.decode()
    assert '<a class="switch" href="/cy/help/" hreflang="cy" lang="cy">Cymraeg</a>' in english
    assert (
        '<a class="switch" href="/help/?lang=en" hreflang="en-GB" lang="en-GB">English</a>'
        in cymraeg
    )


def test_a_browser_preferring_welsh_arrives_at_the_welsh_front_page(client):
    response = client.get("/help/", **WELSH_BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/cy/help/"
    assert "Accept-Language" in response["Vary"]
    assert not response.cookies


@pytest.mark.parametrize(
    "accept",
    ["", "en-GB,en;q=0.9", "en-GB,cy;q=0.5", "fr-FR,fr;q=0.9", "cy;q=0"],
)
def test_other_browsers_stay_on_the_english_front_page(client, accept):
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE=accept, **BROWSER)
    assert response.status_code == 200
    assert '<html lang="en-GB">' in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_english_links_and_deep_english_pages_never_send_a_welsh_browser_back_to_welsh(client):
    deep = client.get("/help/families/first-days/", **WELSH_BROWSER)
    assert deep.status_code == 200
    html = deep.content.decode()
    assert '<html lang="en-GB">' in html
    # The English pages link home to the English front page, which stays English.
    home = re.search(r'<a class="brand" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert home == "/help/?lang=en"
    assert client.get(home, **WELSH_BROWSER).status_code == 200


def test_reading_in_both_languages_counts_one_visitor(client):
    for path in ("/help/", "/cy/help/", "/cy/help/families/", "/help/families/"):
        client.get(path, REMOTE_ADDR="203.0.113.9", **BROWSER)
    day = SelfHelpVisits.objects.get(period="day", start=timezone.localdate(), nation="all")
    assert day.visitors == 1


def test_the_exit_control_leaves_in_both_languages_without_javascript(client):
    for path, label in (("/help/", "Leave this site quickly"), ("/cy/help/", "Gadael y wefan")):
        html = client.get(path, **BROWSER).content.decode()
        link = re.search(
            r'<a class="leave" href="([^"]+)" rel="noreferrer" data-leave>([^<]+)', html
        )
        assert link, path
        assert link.group(1) == helpline()["exit_url"]
        assert link.group(2).startswith(label)


def test_welsh_pages_read_as_welsh():
    # A spot check of the catalogue itself: the Welsh is Welsh, not English copied over.
    with translation.override("cy"):
        own = MODULES[0]
        assert str(own.title) == "Yn poeni am eich ymddygiad eich hun ar-lein"
        assert str(own.pages[0].title) == "Pam newid"
        assert str(helpline()["charity"]) == "Stop It Now! Cymru"


def test_the_checker_finds_english_left_in_a_welsh_page():
    english = '<p>Hello <a aria-label="Go home">there</a></p><p>0808 1000 900</p>'
    welsh = '<p>Helo <a aria-label="Go home">yna</a></p><p>0808 1000 900</p>'
    assert untranslated(english, welsh) == ["Go home"]
    assert visible_texts("<script>var x = 'a';</script><p> a  b </p>") == ["a b"]


@pytest.mark.parametrize(("path", "target"), [("/cy/help", "/cy/help/"), ("/help", "/help/")])
def test_the_front_page_without_its_last_slash_still_arrives(client, path, target):
    response = client.get(path, **BROWSER)
    assert response.status_code == 301
    assert response["Location"] == target


def test_the_page_language_does_not_outlive_the_request(client):
    client.get("/cy/help/", **BROWSER)
    assert translation.get_language() == "en-gb"
    assert reverse("selfhelp:index") == "/help/"
