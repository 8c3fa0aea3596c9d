"""The compiled catalogues: built when missing or stale, a broken .po named with its line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netsafe.web import catalogues

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#, python-format
msgid "Hello %(name)s"
msgstr "Helo %(name)s"
"""


@pytest.fixture
def locale(tmp_path, settings) -> Path:
    settings.LOCALE_PATHS = [tmp_path]
    po = tmp_path / "cy" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    return po


def test_a_missing_catalogue_is_built_and_then_left_alone(locale):
    assert catalogues.stale() == [locale]
    assert [w.id for w in catalogues.check_catalogues()] == ["netsafe.W001"]
    assert catalogues.compile_catalogues() == [locale.with_suffix(".mo")]
    assert catalogues.stale() == []
    assert catalogues.check_catalogues() == []
    assert catalogues.compile_catalogues() == []


def test_an_edited_po_is_built_again(locale):
    catalogues.compile_catalogues()
    mo = locale.with_suffix(".mo")
    older = mo.stat().st_mtime - 10
    os.utime(mo, (older, older))
    assert catalogues.stale() == [locale]


def test_a_translation_that_loses_its_placeholder_is_refused_with_the_line(locale):
    locale.write_text(PO.replace('"Helo %(name)s"', '"Helo %(enw)s"'), encoding="utf-8")
    with pytest.raises(catalogues.CatalogueError, match=r"django\.po:7"):
        catalogues.compile_catalogues()
    assert not locale.with_suffix(".mo").exists()
    assert [p.name for p in locale.parent.iterdir()] == ["django.po"]


def test_without_msgfmt_the_error_says_what_to_install(locale, monkeypatch):
    monkeypatch.setattr(catalogues.shutil, "which", lambda name: None)
    with pytest.raises(catalogues.CatalogueError, match="gettext"):
        catalogues.compile_catalogues()


def test_the_project_catalogue_compiles_cleanly():
    from django.conf import settings

    settings_paths = [Path(p) for p in settings.LOCALE_PATHS]
    assert any((p / "cy" / "LC_MESSAGES" / "django.po").is_file() for p in settings_paths)
    assert catalogues.stale() == []
