"""Who may see the prevention pages: charity staff only, and everyone else gets 404.

The rules are rows of the one gate (:func:`netsafe.accounts.permissions.allowed`,
area ``prevention``); the names below are its actions.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from netsafe.accounts.permissions import LOG, READ, READ_FIGURES, allowed

#: Who may do what. Police roles appear nowhere here: they get 404 on every page.
LOG_CONTACTS = LOG
SEE_FIGURES = READ_FIGURES


def can(user, action, obj=None) -> bool:
    """True when ``user`` may do ``action`` (``LOG_CONTACTS``, ``SEE_FIGURES``, ...)."""
    return allowed(user, action, obj if obj is not None else "prevention")


def prevention_view(action=READ):
    """Decorate a staff view: log-in first; without ``action`` on prevention, "not found".

    A police user (who can never also hold a prevention role) is told the page
    does not exist, so the prevention side does not even confirm what it holds.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
