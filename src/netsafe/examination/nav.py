"""Examination's link in the navigation (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from .access import is_examiner


def items(user) -> list[tuple[str, str]]:
    """ "Examination" (the triage queue) for examiners."""
    return [("Examination", reverse("examination:queue"))] if is_examiner(user) else []
