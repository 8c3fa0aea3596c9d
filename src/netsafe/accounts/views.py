"""A user's own settings (the language of their pages) and role requests: a second
administrator approves or rejects roles another one asked for."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from netsafe.web.language import ACCOUNT_CHOICES

from . import grants
from .models import RoleGrant
from .permissions import APPROVE, MANAGE, allowed
from .services import AccountError


class LanguageForm(forms.Form):
    """The language of the user's pages, remembered on their account (never in a cookie)."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language of your pages"),
        choices=ACCOUNT_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )


@login_required
def language(request):
    """Choose English or Welsh (or the browser's choice) for every page of this account."""
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        request.user.language = form.cleaned_data["language"]
        request.user.save(update_fields=["language"])
        # The confirmation is shown on the next page, which is already in the new language.
        chosen = request.user.language or translation.get_language()
        with translation.override(chosen):
            messages.success(request, _("Your language has been saved."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = ""
        return redirect(target or "account-language")
    return render(
        request,
        "accounts/language.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@login_required
def grant_list(request):
    """Pending role requests (and the latest decided), for administrators."""
    if not allowed(request.user, MANAGE, "accounts"):
        raise Http404("administrators only")
    pending = RoleGrant.objects.filter(status=RoleGrant.Status.PENDING).select_related(
        "user", "force", "requested_by"
    )
    decided = (
        RoleGrant.objects.exclude(status=RoleGrant.Status.PENDING)
        .select_related("user", "force", "requested_by", "decided_by")
        .order_by("-decided_at")[:20]
    )
    rows = [(g, allowed(request.user, APPROVE, g)) for g in pending]
    return render(request, "accounts/grants.html", {"rows": rows, "decided": decided})


@login_required
@require_POST
def grant_decide(request, pk: int, decision: str):
    """Approve or reject one request (never the administrator who asked)."""
    if not allowed(request.user, MANAGE, "accounts") or decision not in {"approve", "reject"}:
        raise Http404("administrators only")
    grant = get_object_or_404(RoleGrant, pk=pk)
    try:
        (grants.approve if decision == "approve" else grants.reject)(grant, by=request.user)
    except AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Request {grant.pk} {decision}d.")
    return redirect("grant-list")
