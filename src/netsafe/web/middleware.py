"""Middleware of the whole site: the public self-help pages never touch a session or cookie."""

from __future__ import annotations

from django.conf import settings

#: Paths of the public site (the charity's self-help pages): no log-in, no cookies.
PUBLIC_PREFIXES = ("/help/",)


def is_public(path: str) -> bool:
    """Whether ``path`` belongs to the public self-help site."""
    return path.startswith(PUBLIC_PREFIXES) or path.rstrip("/") in {
        p.rstrip("/") for p in PUBLIC_PREFIXES
    }


class PublicSiteMiddleware:
    """On the public site, hide the visitor's cookies from Django and set none.

    A staff member who reads ``/help/`` in the browser they work in sends their
    session cookie; with ``SESSION_SAVE_EVERY_REQUEST`` the session was saved again
    and its cookie re-sent, so the public site extended a police or charity session
    and linked the visit to a person. Listed before ``SessionMiddleware``: the
    session and CSRF cookies are removed from the request before the session is
    loaded (so it is neither read nor saved), and any cookie a later layer sets is
    dropped from the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public(request.path_info):
            return self.get_response(request)
        hidden = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
        request.COOKIES = {k: v for k, v in request.COOKIES.items() if k not in hidden}
        response = self.get_response(request)
        response.cookies.clear()
        return response
