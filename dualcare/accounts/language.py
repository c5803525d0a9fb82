"""Choosing the language of the pages (issue 20): English or Welsh, for everyone.

Signed in, the choice is kept on the user (`User.language`) and applied at every sign-in by
`dualcare.middleware.UserLanguageMiddleware`, in any browser; before sign-in it is kept in the
language cookie only.
"""

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from dualcare.middleware import language_cookie_set
from dualcare.people.forms import NHSForm
from dualcare.people.models import User

from . import services


class LanguageForm(NHSForm):
    language = forms.ChoiceField(
        label=_("Which language do you want to use?"),
        choices=User.Language.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose English or Cymraeg")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("home")


def language(request: HttpRequest) -> HttpResponse:
    """The language page: a choice of two, remembered for the user (or the browser)."""
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["language"]
            if request.user.is_authenticated:
                services.user_language_set(user=request.user, language=chosen)
            translation.activate(chosen)
            response = HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))
            language_cookie_set(response, chosen)
            return response
    else:
        current = translation.get_language()
        form = LanguageForm(
            initial={
                "language": current if current in User.Language.values else User.Language.ENGLISH,
                # Back to the page the link was on: the footer's link carries no address of its
                # own, which would put the ids of the page it was on in the page's HTML again.
                "next": _safe_next(request, request.GET.get("next") or request.META.get("HTTP_REFERER", "")),
            }
        )
    return render(request, "registration/language.html", {"form": form})
