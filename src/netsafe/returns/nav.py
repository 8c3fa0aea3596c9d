"""The returns link in the navigation (see ``NETSAFE_NAVIGATION``)."""

from __future__ import annotations

from django.urls import reverse

from .views import uploads_returns


def items(user) -> list[tuple[str, str]]:
    """ "Upload a return" for supervisors of a force."""
    return [("Upload a return", reverse("returns:upload"))] if uploads_returns(user) else []
