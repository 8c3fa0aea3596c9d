"""What every page's layout needs: the service name, the user's force and the navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.module_loading import import_string
from django.utils.translation import get_language

NavItems = Callable[[object], list[tuple[str, str]]]


@lru_cache(maxsize=8)
def _providers(paths: tuple[str, ...]) -> tuple[NavItems, ...]:
    return tuple(import_string(path) for path in paths)


def access_key(user) -> tuple:
    """What the permission gate reads of ``user``: their roles, flags and force.

    Users with the same key are allowed the same things (``accounts.permissions``),
    so they have the same navigation.
    """
    return (
        getattr(user, "roles", frozenset()),
        bool(getattr(user, "is_active", False)),
        bool(getattr(user, "is_staff", False)),
        bool(getattr(user, "is_superuser", False)),
        getattr(user, "force_id", None),
    )


#: The links of each :func:`access_key`, language and URL map: every page draws the
#: menu, and asking each provider (permission checks, URL reversing, translations)
#: on every request cost as much as the rest of a small page's header.
_LINKS: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _links(user) -> tuple[tuple[str, str], ...]:
    paths = tuple(getattr(settings, "NETSAFE_NAVIGATION", ()))
    key = (access_key(user), get_language(), get_script_prefix(), get_urlconf(), paths)
    found = _LINKS.get(key)
    if found is None:
        found = _LINKS[key] = tuple(
            (str(label), url) for provider in _providers(paths) for label, url in provider(user)
        )
    return found


def navigation_for(user, path: str = "") -> list[dict[str, object]]:
    """The navigation links for ``user`` from every provider in ``NETSAFE_NAVIGATION``.

    Each provider is ``items(user) -> list of (label, url)``, and gives the same links
    to users the permission gate treats alike (:func:`access_key`): they are asked once
    per key and language. The link whose URL is the longest prefix of ``path`` is
    marked current.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    links = [{"label": label, "url": url} for label, url in _links(user)]
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
