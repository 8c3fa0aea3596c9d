"""Signing in and out, changing one's password (no self-service reset: administrators reset)
and choosing the language of one's pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from netsafe.web.landing import landing_url

from . import views
from .forms import SignInForm


class SignInView(auth_views.LoginView):
    """Django's sign-in page; afterwards each role starts where its work is.

    A ``next`` page asked for is honoured, except the bare ``/``: that is where
    someone who typed the site's address was sent from, not a page they chose.
    """

    redirect_authenticated_user = False
    authentication_form = SignInForm

    def get_success_url(self):
        asked = self.get_redirect_url()
        if asked and asked != "/":
            return asked
        return landing_url(self.request.user)


urlpatterns = [
    path("grants/", views.grant_list, name="grant-list"),
    path(
        "grants/<int:pk>/<str:decision>/",
        views.grant_decide,
        name="grant-decide",
    ),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("language/", views.language, name="account-language"),
]
