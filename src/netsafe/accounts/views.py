"""A user's own settings: the language of their pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netsafe.web.language import ACCOUNT_CHOICES


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
