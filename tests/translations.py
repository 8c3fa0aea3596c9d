"""Finding text a Welsh page shows in English: the test behind "no page is left half-translated".

A page is rendered twice, in English and in Welsh. Every piece of visible
text (text nodes, and the ``aria-label``, ``title``, ``alt`` and
``placeholder`` a screen reader speaks) that is the same in both renders was
not translated, unless it holds no letters (numbers, times, punctuation) or
is a name the caller allows (a proper noun, a username, a code).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SPOKEN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
_LETTER = re.compile(r"[^\W\d_]")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._hidden_depth += 1
        for name, value in attrs:
            if name in _SPOKEN_ATTRIBUTES and value:
                self._add(value)
        kinds = dict(attrs)
        if tag == "input" and kinds.get("type") in {"submit", "button"} and kinds.get("value"):
            self._add(kinds["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    """The visible and spoken text of ``html``, one entry per text node or attribute."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.texts


def untranslated(english_html: str, welsh_html: str, allowed=()) -> list[str]:
    """The texts the Welsh page shows exactly as the English one does, in page order.

    ``allowed`` names texts that are the same in both languages by nature
    (proper nouns, usernames, codes); texts without a letter are always allowed.
    """
    english = set(visible_texts(english_html))
    allowed = set(allowed)
    seen: set[str] = set()
    result = []
    for text in visible_texts(welsh_html):
        if text in english and text not in allowed and text not in seen and _LETTER.search(text):
            seen.add(text)
            result.append(text)
    return result
