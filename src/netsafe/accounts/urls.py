"""Signing in and out and changing one's password (no self-service reset: administrators reset)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import SignInForm

urlpatterns = [
    path("grants/", views.grant_list, name="grant-list"),
    path(
        "grants/<int:pk>/<str:decision>/",
        views.grant_decide,
        name="grant-decide",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=False, authentication_form=SignInForm
        ),
        name="login",
    ),
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
]
