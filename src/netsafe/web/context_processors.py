"""What every page's layout needs: the service name, the user's force and the navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

NavItems = Callable[[object], list[tuple[str, str]]]


@lru_cache(maxsize=8)
def _providers(paths: tuple[str, ...]) -> tuple[NavItems, ...]:
    return tuple(import_string(path) for path in paths)


def navigation_for(user, path: str = "") -> list[dict[str, object]]:
    """The navigation links for ``user`` from every provider in ``NETSAFE_NAVIGATION``.

    Each provider is ``items(user) -> list of (label, url)``; the link whose
    URL is the longest prefix of ``path`` is marked current.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    links = []
    for provider in _providers(tuple(getattr(settings, "NETSAFE_NAVIGATION", ()))):
        links.extend({"label": label, "url": url} for label, url in provider(user))
    matches = [
        link
        for link in links
        if path == link["url"] or (link["url"] != "/" and path.startswith(str(link["url"])))
    ]
    current = max(matches, key=lambda link: len(str(link["url"])), default=None)
    for link in links:
        link["current"] = link is current
    return links


def shell(request) -> dict[str, object]:
    """Context for ``base.html``: ``service_name``, ``navigation`` and ``user_force``."""
    user = getattr(request, "user", None)
    force = getattr(user, "force", None) if getattr(user, "is_authenticated", False) else None
    return {
        "service_name": settings.NETSAFE_OPERATION["name"],
        "navigation": navigation_for(user, request.path),
        "user_force": force,
    }
