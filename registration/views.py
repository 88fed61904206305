"""Operator-information pages: the public use application, and the operator's own information and applications.

Views are thin: reads through selectors, writes through services; DomainError becomes a message.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import TermsVersion
from capacity_market.errors import DomainError
from capacity_market.request_context import client_ip
from capacity_market.review import ApplicationKind, ReviewStatus

from . import selectors, services
from .forms import (
    ChangeApplicationForm,
    DeletionApplicationForm,
    OperatorInfoForm,
    UseApplicationForm,
    VersionForm,
)
from .models import OperatorInfo

DONE_SESSION_KEY = "registration_use_application_number"


def _rate_limited(request: HttpRequest) -> bool:
    """At most USE_APPLICATION_RATE_LIMIT use applications per client address per hour."""
    limit = settings.USE_APPLICATION_RATE_LIMIT
    key = f"registration:use-application:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


# --- public: the use application (利用申請) -------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def use_application(request: HttpRequest) -> HttpResponse:
    terms = TermsVersion.current()
    form = UseApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            messages.error(request, _("Too many applications were sent from your network. Try again later."))
        else:
            try:
                application = services.submit_use_application(
                    values=form.cleaned_data, language=translation.get_language() or settings.LANGUAGE_CODE
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                request.session[DONE_SESSION_KEY] = application.number
                return redirect("registration:use_application_done")
    return render(request, "registration/use_application.html", {"form": form, "terms": terms})


@require_http_methods(["GET"])
def use_application_done(request: HttpRequest) -> HttpResponse:
    number = request.session.get(DONE_SESSION_KEY)
    if not number:
        return redirect("registration:use_application")
    return render(request, "registration/use_application_done.html", {"number": number})


@require_http_methods(["GET", "POST"])
def use_application_resubmit(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant of a returned use application corrects and resubmits it through the e-mailed link."""
    application = services.application_for_resubmit_token(token[:500])
    if application is None:
        return render(request, "registration/use_application_link_invalid.html", status=404)
    if request.method == "POST":
        form = OperatorInfoForm(request.POST, instance=application)
        version_form = VersionForm(request.POST)
        if form.is_valid() and version_form.is_valid():
            try:
                services.resubmit_use_application(application=application, values=form.cleaned_data,
                                                  expected_version=version_form.cleaned_data["version"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                request.session[DONE_SESSION_KEY] = application.number
                return redirect("registration:use_application_done")
    else:
        form = OperatorInfoForm(instance=application)
    return render(request, "registration/use_application_resubmit.html",
                  {"form": form, "application": application})


# --- the operator's own pages (事業者情報管理機能 / 事業者情報審査管理機能) ------------------------------------------
@login_required
@require_http_methods(["GET"])
def operator_detail(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    applications = selectors.application_list_for_user(user=request.user)
    rows = [(operator._meta.get_field(f).verbose_name, operator.display_value(f)) for f in OperatorInfo.INFO_FIELDS]
    return render(request, "registration/operator_detail.html", {
        "operator": operator,
        "rows": rows,
        "applications": applications,
        "open_application": selectors.open_application_for_operator(operator=operator),
    })


@login_required
@require_http_methods(["GET"])
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    return render(request, "registration/application_detail.html", {
        "application": application,
        "comparison": _comparison(application),
        "history": application.history(),
        "can_act": application.is_applicant(request.user) and application.kind != ApplicationKind.NEW,
    })


def _comparison(application) -> list[tuple[str, str, str, bool]]:
    return [(label, current, proposed, current != proposed)
            for label, current, proposed in application.comparison_rows()]


@login_required
@require_http_methods(["GET", "POST"])
def change_application(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    open_application = selectors.open_application_for_operator(operator=operator)
    if request.method == "POST":
        form = ChangeApplicationForm(request.POST)
        if form.is_valid():
            try:
                application = services.submit_change_application(operator=operator, actor=request.user,
                                                                 values=form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Your change application %(number)s was submitted.")
                                 % {"number": application.number})
                return redirect("registration:application_detail", pk=application.pk)
    else:
        form = ChangeApplicationForm(initial=operator.info_values())
    return render(request, "registration/change_application.html",
                  {"form": form, "operator": operator, "open_application": open_application})


@login_required
@require_http_methods(["GET", "POST"])
def deletion_application(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    if not request.user.is_operator_admin:
        raise PermissionDenied
    open_application = selectors.open_application_for_operator(operator=operator)
    form = DeletionApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.submit_deletion_application(operator=operator, actor=request.user,
                                                               reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your deletion application %(number)s was submitted.")
                             % {"number": application.number})
            return redirect("registration:application_detail", pk=application.pk)
    return render(request, "registration/deletion_application.html",
                  {"form": form, "operator": operator, "open_application": open_application})


@login_required
@require_http_methods(["GET", "POST"])
def application_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    if application.status != ReviewStatus.RETURNED or not application.is_applicant(request.user) \
            or application.kind == ApplicationKind.NEW:
        messages.error(request, _("Only a returned application can be corrected and resubmitted."))
        return redirect("registration:application_detail", pk=application.pk)
    is_change = application.kind == ApplicationKind.CHANGE
    form_class = ChangeApplicationForm if is_change else DeletionApplicationForm
    if request.method == "POST":
        form = form_class(request.POST)
        version_form = VersionForm(request.POST)
        if form.is_valid() and version_form.is_valid():
            values = dict(form.cleaned_data)
            if not is_change:
                values = {"applicant_comment": values["reason"]}
            try:
                services.resubmit_application(application=application, actor=request.user, values=values,
                                              expected_version=version_form.cleaned_data["version"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Application %(number)s was resubmitted.")
                                 % {"number": application.number})
                return redirect("registration:application_detail", pk=application.pk)
        elif not version_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
    elif is_change:
        form = form_class(initial={**application.info_values(), "applicant_comment": application.applicant_comment})
    else:
        form = form_class(initial={"reason": application.applicant_comment})
    return render(request, "registration/application_resubmit.html",
                  {"form": form, "application": application, "is_change": is_change})


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        version_form = VersionForm(request.POST)
        if not version_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
            return redirect("registration:application_detail", pk=application.pk)
        try:
            services.withdraw_application(application=application, actor=request.user,
                                          expected_version=version_form.cleaned_data["version"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Application %(number)s was withdrawn.") % {"number": application.number})
        return redirect("registration:application_detail", pk=application.pk)
    return render(request, "registration/application_withdraw.html", {"application": application})
