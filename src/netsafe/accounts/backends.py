"""Signing in with a user name and password, and finding the signed-in user on each request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend, UserModel


class UserBackend(ModelBackend):
    """Django's model backend, reading the signed-in user's force with the user.

    Every page shows the user's force in its header and every audit entry names
    it, so the session's user is read with it: one query a request, not two.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("force").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
