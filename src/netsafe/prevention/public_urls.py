"""The public self-help site, under ``/help/``."""

from django.urls import path, re_path

from . import public_views

app_name = "selfhelp"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("where/", public_views.declare_nation, name="declare"),
    path("<slug:module_slug>/", public_views.module_view, name="module"),
    path("<slug:module_slug>/<slug:page_slug>/", public_views.page_view, name="page"),
    # Anything else under /help/ gets the site's own "not found", never the police layout.
    re_path(r"^(?P<rest>.*)$", public_views.not_found),
]
