"""Examination's link in the navigation (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .access import is_examiner, reads_bank


def items(user) -> list[tuple[str, str]]:
    """ "Examination" (the triage queue) for examiners; the operation bank for graders and
    supervisors."""
    links = [("Examination", reverse("examination:queue"))] if is_examiner(user) else []
    if reads_bank(user):
        links.append((_("Operation bank"), reverse("examination:bank")))
    return links
