"""The kit's operator pages, the same for every application type: list, detail, resubmit, withdraw.

Each view takes the registered `ApplicationType` (`app_type`, given by `ApplicationType.urls()`), reads through
its scoped selectors (a foreign or missing application is a 404) and writes through its services; a DomainError
becomes a message and changes nothing. Templates are the kit's `includes/application_*.html`, which a type's own
template extends, overriding blocks only where it differs.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..errors import DomainError
from ..scoping import operator_ids_for
from .types import ApplicationType
from .workflow import ApplicationKind, ReviewStatus


class VersionForm(forms.Form):
    """Carries the version the user saw, so a stale action is refused (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, app_type: ApplicationType, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *app_type.status_choices]
        self.fields["kind"].choices = [("", _("All")), *app_type.kind_choices]

    def filters(self) -> dict:
        """The valid filters only: an unknown value is ignored (and shown as an error), never a 500."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in ("status", "kind") if name not in self.errors}


@login_required
@require_http_methods(["GET"])
def application_list(request: HttpRequest, *, app_type: ApplicationType) -> HttpResponse:
    if not operator_ids_for(request.user):
        raise Http404(_("Not found."))  # OCCTO staff use the review queue; a list of nothing would mislead
    filter_form = ApplicationFilterForm(request.GET or None, app_type=app_type)
    applications = app_type.list_for_user(user=request.user, **filter_form.filters())
    page = Paginator(applications, app_type.page_size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, app_type.list_template, {
        "app_type": app_type, "filter_form": filter_form, "page": page, "applications": page.object_list,
        "query": query.urlencode(),
    })


def _comparison(application) -> list[tuple[str, str, str, bool]]:
    return [(label, current, proposed, current != proposed)
            for label, current, proposed in application.comparison_rows()]


@login_required
@require_http_methods(["GET"])
def application_detail(request: HttpRequest, pk: int, *, app_type: ApplicationType) -> HttpResponse:
    application = app_type.get_for_user(user=request.user, pk=pk)
    back_url, back_label = app_type.back_link(application)
    return render(request, app_type.detail_template, {
        "app_type": app_type, "application": application, "comparison": _comparison(application),
        "rows": application.value_rows(), "history": application.history(),
        "can_act": app_type.can_act(application, request.user),
        "resubmit_url": app_type.url("resubmit", application), "withdraw_url": app_type.url("withdraw", application),
        "back_url": back_url, "back_label": back_label,
    })


def _safe_next(request: HttpRequest) -> str:
    """The `next` page a withdrawal returns to (the change page it was reached from), if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return ""


def open_application_panel(request: HttpRequest, *, app_type: ApplicationType, application,
                           next_url: str = "") -> dict:
    """What `includes/open_application_panel.html` shows (as `panel`) of an open application: its number, kind and state, what
    happens next (OCCTO is deciding; or, returned, it waits for the applicant) and the links that act on it (see,
    correct and resubmit, withdraw; a withdrawal returns to `next_url`)."""
    can_act = app_type.can_act(application, request.user)
    withdraw_url = app_type.url("withdraw", application)
    if next_url:
        withdraw_url += "?" + urlencode({"next": next_url})
    return {
        "application": application, "app_type": app_type, "can_act": can_act,
        "is_returned": application.status == ReviewStatus.RETURNED,
        "detail_url": app_type.url("detail", application),
        "resubmit_url": app_type.url("resubmit", application), "withdraw_url": withdraw_url,
        "admin_only": not can_act and application.kind == ApplicationKind.DELETION,
    }


def open_application_page(request: HttpRequest, *, app_type: ApplicationType, subject, title, back_url: str,
                          back_label, scope: dict | None = None) -> HttpResponse | None:
    """The page a change or deletion form shows instead of itself while `subject` has an open application of
    `app_type` (filtered by `scope`, e.g. the auction): a form that could not be sent is never shown. The page shows
    the open application, its state and the way forward (wait, or withdraw; a returned one waits for its
    applicant: correct and resubmit, or withdraw); a withdrawal comes back here, to the form. None when there is
    no open application: the caller shows its form. A form posted meanwhile (an old tab) is not sent, and says so.

        blocked = review.views.open_application_page(request, app_type=things, subject=thing, title=…,
                                                     back_url=…, back_label=…)
        if blocked:
            return blocked
    """
    application = app_type.open_for_subject(subject, **(scope or {}))
    if application is None:
        return None
    if request.method == "POST":
        messages.error(request, app_type.open_exists_message)
    return render(request, "includes/application_open.html", {
        "title": title, "back_url": back_url, "back_label": back_label, "application": application,
        "panel": open_application_panel(request, app_type=app_type, application=application, next_url=request.path),
    })


def _refusal(app_type: ApplicationType, application, user, *, needs: str | None = None) -> str:
    """Why `user` may not act on `application` now ("" when they may): the state first, then the person."""
    if needs == ReviewStatus.RETURNED and application.status != ReviewStatus.RETURNED:
        return str(_("Only a returned application can be corrected and resubmitted."))
    if not application.is_open:
        return str(_("This application is %(status)s; it can no longer be withdrawn.")
                   % {"status": application.get_status_display()})
    if not app_type.can_act(application, user):
        if application.kind == ApplicationKind.DELETION:
            return str(_("Only your operator's administrator may act on a deletion application."))
        return str(_("Only the applicant may do this."))
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def application_resubmit(request: HttpRequest, pk: int, *, app_type: ApplicationType) -> HttpResponse:
    """A returned application, corrected and submitted again by its applicant (the version they saw is checked)."""
    application = app_type.get_for_user(user=request.user, pk=pk)
    detail_url = app_type.url("detail", application)
    refusal = _refusal(app_type, application, request.user, needs=ReviewStatus.RETURNED)
    if refusal:
        messages.error(request, refusal)
        return redirect(detail_url)
    editor = app_type.editor(request, application)
    if request.method == "POST":
        version_form = VersionForm(request.POST)
        if editor.is_valid() and version_form.is_valid():
            try:
                app_type.resubmit(application=application, actor=request.user, values=editor.values(),
                                  expected_version=version_form.cleaned_data["version"])
            except DomainError as exc:
                if not editor.show_error(exc):
                    messages.error(request, exc.message)
            else:
                messages.success(request, _("Application %(number)s was resubmitted.")
                                 % {"number": application.number})
                return redirect(detail_url)
        elif not version_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
    return render(request, app_type.resubmit_template, {
        "app_type": app_type, "application": application, "editor": editor, "form": editor.form,
        "detail_url": detail_url, **editor.context,
    })


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int, *, app_type: ApplicationType) -> HttpResponse:
    """GET: a confirmation page (nothing changes). POST: withdraw at the version the user saw, then back to the
    detail, or to `next` (the change page the withdrawal was started from, which now shows its form). A stale or
    refused withdrawal changes nothing and says why."""
    application = app_type.get_for_user(user=request.user, pk=pk)
    detail_url = app_type.url("detail", application)
    next_url = _safe_next(request)
    refusal = _refusal(app_type, application, request.user)
    if refusal and request.method == "GET":
        messages.error(request, refusal)  # no confirmation for what cannot be withdrawn; a POST is refused below
        return redirect(detail_url)
    if request.method == "POST":
        version_form = VersionForm(request.POST)
        if not version_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
            return redirect(detail_url)
        try:
            app_type.withdraw(application=application, actor=request.user,
                              expected_version=version_form.cleaned_data["version"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Application %(number)s was withdrawn.") % {"number": application.number})
            return redirect(next_url or detail_url)
        return redirect(detail_url)
    return render(request, "includes/application_withdraw.html",
                  {"application": application, "cancel_url": next_url or detail_url, "next_url": next_url})
