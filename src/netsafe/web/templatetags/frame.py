"""The page frame's header and menu, drawn once for each user, language and page of the
menu, and kept.

Every page draws the same header (the service, the user's name and force, their links)
and menu: through the template language that cost as much as a small page's own
content. ``{% page_header %}`` draws ``includes/page_header.html`` from the values it
names only, so the values are the key the drawing is kept under; what differs from one
request to the next (the current address, for the language link, and the form's CSRF
token) is put into the kept drawing for each request.
"""

from __future__ import annotations

from django import template
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

#: Stand-ins drawn in place of what each request fills in (letters only: no escaping or
#: URL encoding changes them).
_NEXT, _CSRF = "NetSafeFrameNextPath7f3a", "NetSafeFrameCsrfInput7f3a"
#: Drawings kept, by key; past this many (names changed, many menus) they start again.
KEPT = 2048
_kept: dict[tuple, tuple[str, str, str]] = {}


@register.simple_tag(takes_context=True)
def page_header(context) -> str:
    """The header and menu of ``base.html`` for this request."""
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(getattr(user, "is_authenticated", False))
    force = context.get("user_force")
    values = {
        "service_name": context.get("service_name", ""),
        "user_name": (user.get_full_name() or user.get_username()) if signed_in else "",
        "force_name": force.name if force is not None else "",
        "html_lang": context.get("html_lang", ""),
        "navigation": tuple(
            (link["label"], link["url"], link["current"]) for link in context.get("navigation", ())
        ),
    }
    key = (*values.values(), get_language(), get_script_prefix(), get_urlconf())
    parts = _kept.get(key)
    if parts is None:
        html = render_to_string(
            "includes/page_header.html",
            {
                **values,
                "navigation": [
                    {"label": label, "url": url, "current": current}
                    for label, url, current in values["navigation"]
                ],
                "next_path": _NEXT,
                "csrf_input": _CSRF,
            },
        ).strip()
        before, _, rest = html.partition(_NEXT)
        middle, _, after = rest.partition(_CSRF)
        parts = (before, middle, after) if signed_in else (html, "", "")
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[key] = parts
    if not signed_in:
        return mark_safe(parts[0])
    path = escape(urlencode(request.get_full_path())) if request is not None else ""
    token = csrf_input(request) if request is not None else ""
    return mark_safe(parts[0] + path + parts[1] + token + parts[2])
