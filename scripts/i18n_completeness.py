"""How much of the police pages is in Welsh: translated strings over all the strings they show.

    PYTHONPATH=src python scripts/i18n_completeness.py

Counts, for the police apps (casework, examination, stats, returns, audit,
accounts and the shared shell in web):

- marked: the catalogue's msgids found in those apps, and how many have Welsh;
- unmarked template text: visible text in their templates outside any
  ``{% translate %}``/``{% blocktranslate %}`` (it can only show in English);
- unmarked model text: field labels, help texts and choice labels of their
  models that are plain strings with no Welsh in the catalogue (shown in English).

Completeness = translated / (marked + unmarked template text + unmarked model text).
Needs GNU gettext's ``msggrep`` and ``msgattrib`` (Debian package ``gettext``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
os.environ.setdefault("NETSAFE_ENV", "test")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.functional import Promise  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from tests.translations import visible_texts  # noqa: E402

PACKAGE = ROOT / "src" / "netsafe"
POLICE_APPS = ["casework", "examination", "stats", "returns", "audit", "accounts", "web"]
CATALOGUE = PACKAGE / "locale" / "cy" / "LC_MESSAGES" / "django.po"

_BLOCK = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_LETTER = re.compile(r"[^\W\d_]")
#: The same in every language: the languages' own names (the switch) and the service's.
_NAMES = {"English", "Cymraeg", "NetSafe", "\u2013 NetSafe"}


def _count_entries(po_text: str) -> int:
    return sum(1 for line in po_text.splitlines() if line.startswith("msgid ")) - 1


def marked() -> tuple[int, int]:
    """(msgids from the police apps, of which translated)."""
    # msggrep's patterns do not cross "/": one pattern per depth of the tree.
    locations = [
        f"--location={app}/{'/'.join(['*'] * depth)}"
        for app in POLICE_APPS
        for depth in range(1, 6)
    ]
    selected = subprocess.run(
        ["msggrep", *locations, str(CATALOGUE)], capture_output=True, text=True, check=True
    ).stdout
    translated = subprocess.run(
        ["msgattrib", "--translated", "--no-fuzzy", "-"],
        input=selected,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return max(_count_entries(selected), 0), max(_count_entries(translated), 0)


def unmarked_template_texts() -> dict[str, int]:
    """Visible texts outside translation tags, per police template."""
    found = {}
    for app in POLICE_APPS:
        for template in sorted((PACKAGE / app / "templates").rglob("*.html")):
            source = _COMMENT.sub(" ", template.read_text(encoding="utf-8"))
            source = _TAG.sub(" ", _BLOCK.sub(" ", source))
            texts = [t for t in visible_texts(source) if _LETTER.search(t) and t not in _NAMES]
            if texts:
                found[str(template.relative_to(PACKAGE))] = len(texts)
    return found


def unmarked_model_texts() -> int:
    """Plain-string field labels, help texts and choice labels of the police apps' models
    that the catalogue has no Welsh for (``casework.vocabulary`` lists casework's, which
    are then counted among the marked msgids)."""
    texts = set()
    for app in POLICE_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                for text in (getattr(field, "verbose_name", ""), getattr(field, "help_text", "")):
                    if text and not isinstance(text, Promise):
                        texts.add(str(text))
                for _, label in getattr(field, "flatchoices", None) or ():
                    if label and not isinstance(label, Promise):
                        texts.add(str(label))
    with translation.override("cy"):
        return sum(1 for text in texts if gettext(text) == text)


def main() -> None:
    total_marked, translated = marked()
    templates = unmarked_template_texts()
    models = unmarked_model_texts()
    total = total_marked + sum(templates.values()) + models
    print(f"marked msgids in police apps:     {total_marked} ({translated} translated)")
    print(f"unmarked text in police templates: {sum(templates.values())}")
    for name, n in sorted(templates.items(), key=lambda item: -item[1]):
        print(f"  {n:4d}  {name}")
    print(f"unmarked model labels and choices: {models}")
    print(f"completeness: {translated} / {total} = {translated / total:.0%}")


if __name__ == "__main__":
    main()
