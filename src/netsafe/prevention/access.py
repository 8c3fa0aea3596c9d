"""Who may see the prevention pages: charity staff only, and everyone else gets 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from netsafe.accounts.roles import PREVENTION_ROLES, Role

#: Who may do what. Police roles appear nowhere here: they get 404 on every page.
LOG_CONTACTS = frozenset({Role.CALL_HANDLER, Role.HELPLINE_SUPERVISOR})
SEE_FIGURES = PREVENTION_ROLES


def can(user, roles) -> bool:
    """True when ``user`` is logged in and holds one of ``roles`` (all prevention roles)."""
    return bool(user.is_authenticated and user.has_role(*roles))


def prevention_view(roles=PREVENTION_ROLES):
    """Decorate a staff view: log-in first; without one of ``roles``, "not found".

    A police user (who can never also hold a prevention role) is told the page
    does not exist, so the prevention side does not even confirm what it holds.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
