"""Operator-side pieces of the review workflow that every app shares: the version form and the withdraw flow."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .review import ReviewedApplication


class VersionForm(forms.Form):
    """Carries the version the user saw, so a stale action is refused (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


def withdraw_view(request: HttpRequest, *, application: ReviewedApplication, withdraw: Callable[..., object],
                  detail_url: str) -> HttpResponse:
    """GET: a confirmation page. POST: `withdraw(application=…, actor=…, expected_version=…)` (the app's service),
    then a message and back to `detail_url`. A stale or refused withdrawal changes nothing and says why."""
    if request.method == "POST":
        version_form = VersionForm(request.POST)
        if not version_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
            return redirect(detail_url)
        try:
            withdraw(application=application, actor=request.user,
                     expected_version=version_form.cleaned_data["version"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Application %(number)s was withdrawn.") % {"number": application.number})
        return redirect(detail_url)
    return render(request, "review/application_withdraw.html",
                  {"application": application, "cancel_url": detail_url})
