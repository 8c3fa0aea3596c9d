"""Which language a page is in, English or Welsh, and the switch between them.

Three rules, in this order, and never a cookie or a session:

1. The public self-help site takes its language from the URL only: ``/help/...``
   is English and ``/cy/help/...`` Welsh (``i18n_patterns`` in ``web.urls``).
   A visitor's first arrival at the front page ``/help/`` (no query string)
   from a browser that prefers Welsh to English is redirected to
   ``/cy/help/``; every other English address stays English, and the English
   site's links to its front page carry ``?lang=en`` so that a visitor who
   chose English is never sent back to Welsh. The language switch on every
   page is a plain link to the same page in the other language.
2. A signed-in user's staff pages are in the language chosen on their account
   (``User.language``, chosen at ``/accounts/language/``).
3. Otherwise (the sign-in page, or a user who has not chosen) the browser's
   ``Accept-Language`` decides, and the response says it varies by it.

Django's ``LocaleMiddleware`` is not used: it reads a language cookie, and
would let a browser's Accept-Language override the URL of the public site.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header

ENGLISH = "en-gb"
WELSH = "cy"

#: Paths served in both languages, with the Welsh under ``/cy`` (see ``web.urls``).
PUBLIC_PREFIXES = ("/help/",)

#: The language names as their speakers write them: a switch is read by the other language.
NATIVE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}

#: The ``lang`` attribute of a page in each language (BCP 47).
HTML_LANG = {ENGLISH: "en-GB", WELSH: "cy"}

#: Marks an English front-page link so that a Welsh-preferring browser is not redirected.
STAY_ENGLISH = "lang=en"

#: Offered on the account's language page.
ACCOUNT_CHOICES = [("", _("As my browser asks")), (ENGLISH, "English"), (WELSH, "Cymraeg")]


def public_language(path: str) -> str | None:
    """The language of a public-site ``path`` (``/cy/help/`` -> ``cy``), or ``None``."""
    for prefix in PUBLIC_PREFIXES:
        # "/cy/help" without its slash too, so that CommonMiddleware can add the slash.
        if path.startswith(f"/{WELSH}{prefix}") or path == f"/{WELSH}{prefix[:-1]}":
            return WELSH
        if path.startswith(prefix) or path == prefix[:-1]:
            return ENGLISH
    return None


def in_other_language(path: str) -> str:
    """The same public page in the other language (``/help/x/`` <-> ``/cy/help/x/``)."""
    if public_language(path) == WELSH:
        english = path[len(WELSH) + 1 :]
        # The English front page would send a Welsh-preferring browser back here.
        return f"{english}?{STAY_ENGLISH}" if english in PUBLIC_PREFIXES else english
    return f"/{WELSH}{path}"


def browser_language(request) -> str | None:
    """English or Welsh, whichever the browser's ``Accept-Language`` ranks first; else ``None``."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, quality in parse_accept_lang_header(header):
        if quality <= 0:
            continue
        code = code.lower()
        if code == WELSH or code.startswith(WELSH + "-"):
            return WELSH
        if code == "en" or code.startswith("en-"):
            return ENGLISH
    return None


def prefers_welsh(request) -> bool:
    """True when the browser ranks Welsh above English (and asks for Welsh at all)."""
    return browser_language(request) == WELSH


class LanguageMiddleware:
    """Activates the page's language by the rules in this module's docstring; sets no cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        public = public_language(path)
        if (
            public == ENGLISH
            and path in PUBLIC_PREFIXES
            and request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and prefers_welsh(request)
        ):
            response = HttpResponseRedirect(in_other_language(path))
            patch_vary_headers(response, ["Accept-Language"])
            return response
        vary = False
        if public:
            # Never touch request.user here: reading it would load (and refresh) a session.
            language = public
            vary = path in PUBLIC_PREFIXES
        else:
            language = _account_language(request)
            if not language:
                language = browser_language(request) or settings.LANGUAGE_CODE
                vary = True
        # Still active while the outer middleware handle the response (CommonMiddleware's
        # "append a slash" resolves the URL again); forgotten when the request finishes.
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", HTML_LANG.get(language, language))
        if vary:
            patch_vary_headers(response, ["Accept-Language"])
        return response


@receiver(request_finished)
def forget_language(**kwargs) -> None:
    """After each request, back to the default language: nothing carries over to the next."""
    translation.deactivate()


def _account_language(request) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return getattr(user, "language", "") or ""


def context(request) -> dict[str, object]:
    """Template context: ``html_lang``, and on public pages the ``language_switch`` link."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    result: dict[str, object] = {"html_lang": HTML_LANG.get(language, language)}
    path = getattr(request, "path", "")
    if public_language(path):
        other = ENGLISH if public_language(path) == WELSH else WELSH
        result["language_switch"] = {
            "url": in_other_language(path),
            "label": NATIVE_NAMES[other],
            "lang": HTML_LANG[other],
        }
        result["public_home"] = (
            f"/{WELSH}{PUBLIC_PREFIXES[0]}"
            if language == WELSH
            else f"{PUBLIC_PREFIXES[0]}?{STAY_ENGLISH}"
        )
    return result
