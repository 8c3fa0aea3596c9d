"""The sign-in form: Django's, with the per-name slow-down of :mod:`.throttle`."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .throttle import wait_seconds


class SignInForm(AuthenticationForm):
    """Refuses a try, before checking the password, while the user name must wait."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = wait_seconds(username)
        # A name locked out from this address gets axes' own lock-out page instead.
        if wait and not AxesProxyHandler.is_locked(self.request, {"username": username}):
            raise ValidationError(
                "There were too many wrong passwords for this user name. "
                "Wait %(wait)s, then try again.",
                code="slow-down",
                params={"wait": f"{wait} second" + ("" if wait == 1 else "s")},
            )
        return super().clean()
