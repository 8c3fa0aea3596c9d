"""The compiled translation catalogues (``.mo``): built from the ``.po`` sources, never committed.

A ``.mo`` file is generated, binary and goes stale whenever its ``.po``
changes, so the repository holds only the ``.po``. ``make install`` (and so
``make demo`` and ``make test``) builds the ``.mo`` with GNU ``msgfmt``
(Debian package ``gettext``), the test suite builds any that are missing or
stale before it starts, and a system check warns a server that would
otherwise show English where Welsh was written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


def sources() -> list[Path]:
    """Every ``django.po`` under the project's ``LOCALE_PATHS``."""
    found: list[Path] = []
    for root in settings.LOCALE_PATHS:
        found.extend(sorted(Path(root).glob("*/LC_MESSAGES/django.po")))
    return found


def stale() -> list[Path]:
    """The ``.po`` files whose ``.mo`` is missing or older than them."""
    result = []
    for po in sources():
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            result.append(po)
    return result


class CatalogueError(RuntimeError):
    """A catalogue could not be compiled (no ``msgfmt``, or a malformed ``.po``)."""


def compile_catalogues(force: bool = False) -> list[Path]:
    """Compile each stale (or, with ``force``, every) ``.po`` to its ``.mo``; the ``.mo`` paths.

    Each ``.mo`` is written beside a temporary name and renamed into place, so
    parallel test workers never read a half-written catalogue.
    """
    todo = sources() if force else stale()
    if not todo:
        return []
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise CatalogueError(
            "msgfmt is missing: install Debian's gettext (make system-deps) to build "
            "the Welsh catalogue"
        )
    built = []
    for po in todo:
        mo = po.with_suffix(".mo")
        fd, tmp = tempfile.mkstemp(prefix=".django-", suffix=".mo", dir=po.parent)
        os.close(fd)
        # --check-format: a translation that drops or renames a %(name)s placeholder fails here.
        run = subprocess.run(
            [msgfmt, "--check-format", "-o", tmp, str(po)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            Path(tmp).unlink(missing_ok=True)
            raise CatalogueError(f"{po}: msgfmt failed:\n{run.stderr.strip()}")
        os.replace(tmp, mo)
        built.append(mo)
    return built


@register()
def check_catalogues(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when a compiled catalogue is missing or older than its source."""
    return [
        Warning(
            f"{po.with_suffix('.mo')} is missing or older than {po.name}: pages will fall "
            "back to English",
            hint="Run `make messages` (needs Debian gettext) to build the catalogues.",
            id="netsafe.W001",
        )
        for po in stale()
    ]
