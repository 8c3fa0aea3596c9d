"""The error pages that need more than a template: the 400 page says what was wrong."""

from __future__ import annotations

from django.shortcuts import render

from .params import BadParameter


def bad_request(request, exception=None):
    """400 with a page; the message is shown only for NetSafe's own :class:`BadParameter`.

    Django's other 400s (``SuspiciousOperation`` and kin) carry internal details such as
    file-system paths, which a visitor must not see.
    """
    message = str(exception) if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)
