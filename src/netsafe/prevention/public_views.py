"""The public self-help site: no log-in, no cookies, no IP addresses; counted anonymously."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .choices import Nation
from .conf import helpline
from .counting import count_visit
from .forms import DeclareNationForm
from .models import ALL_VISITORS
from .selfhelp import MODULES, module

log = logging.getLogger(__name__)


def _page(request, template: str, context: dict, status: int = 200):
    _count(request)
    context = {"helpline": helpline(), "modules": MODULES, **context}
    return render(request, template, context, status=status)


def _count(request, nation: str = ALL_VISITORS) -> None:
    # Help must stay available when counting fails: the page is served, the miss logged.
    try:
        count_visit(request, nation)
    except DatabaseError:
        log.exception("self-help visit not counted")


@require_GET
def index(request):
    """The front page: who the site is for, the modules, and the optional "where" question."""
    return _page(
        request,
        "selfhelp/index.html",
        {"form": DeclareNationForm(), "said": request.GET.get("said") == "1"},
    )


@require_GET
def module_view(request, module_slug: str):
    """A module's contents page."""
    found = module(module_slug)
    if found is None:
        return not_found(request)
    return _page(request, "selfhelp/module.html", {"module": found})


@require_GET
def page_view(request, module_slug: str, page_slug: str):
    """One self-help page, with links to the pages before and after it."""
    found = module(module_slug)
    page = found.page(page_slug) if found else None
    if page is None:
        return not_found(request)
    before, after = found.neighbours(page)
    return _page(
        request,
        "selfhelp/page.html",
        {"module": found, "page": page, "before": before, "after": after},
    )


def not_found(request, rest: str = ""):
    """The site's own "page not found", so that a wrong link does not show the police layout."""
    context = {"helpline": helpline(), "modules": MODULES}
    return render(request, "selfhelp/not_found.html", context, status=404)


# No CSRF token: it would need a cookie, and the form changes nothing but a count
# that any visitor can raise by visiting anyway.
@csrf_exempt
@require_POST
def declare_nation(request):
    """Count the visitor once this day and month in the nation they chose (optional)."""
    form = DeclareNationForm(request.POST)
    if not form.is_valid():
        return _page(request, "selfhelp/index.html", {"form": form, "said": False}, status=400)
    _count(request, Nation(form.cleaned_data["nation"]).value)
    return redirect(reverse("selfhelp:index") + "?said=1")
