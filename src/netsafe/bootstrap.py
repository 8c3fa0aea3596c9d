"""Setting Django up for a command: the one thing every database-backed command shares.

A leaf module: it imports nothing of NetSafe, so the ``netsafe`` command
(:mod:`netsafe.cli`) and each area's sub-commands can all import it without
importing each other.
"""

from __future__ import annotations

import os


def django_setup(migrate: bool = False) -> None:
    """Configure Django for a command; with ``migrate``, create or update the databases."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        for db in ("default", "prevention"):
            call_command("migrate", database=db, interactive=False, verbosity=0)
