"""Operator-information pages: the public use application, and the operator's own information and applications.

Views are thin: reads through selectors, writes through services; DomainError becomes a message.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import TermsVersion
from capacity_market import bulk_import
from capacity_market.errors import DomainError
from capacity_market.models import ImportJob
from capacity_market.request_context import client_ip
from capacity_market.review import OPEN_STATUSES
from capacity_market.review.views import VersionForm, open_application_page, open_application_panel

from . import panels, selectors, services
from . import resource_import as csv_format
from .forms import (
    ChangeApplicationForm,
    DeletionApplicationForm,
    ResourceDeletionForm,
    ResourceFilterForm,
    ResourceForm,
    UseApplicationCorrectionForm,
    UseApplicationForm,
    show_violations,
    unit_formset,
)
from .models import OperatorInfo, ResourceApplication, ResourceInfo

DONE_SESSION_KEY = "registration_use_application_number"
# A resubmit token is well under 100 characters; a longer one is garbage and is cut before it is checked.
RESUBMIT_TOKEN_MAX_CHARS = 500


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
    form = UseApplicationForm(request.POST or None, terms=terms)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            messages.error(request, _("Too many applications were sent from your network. Try again later."))
        else:
            try:
                application = services.submit_use_application(
                    values=form.cleaned_data, language=translation.get_language() or settings.LANGUAGE_CODE,
                    terms_version=form.cleaned_data["terms_version"],
                )
            except services.TermsRevised as exc:
                # Revised between the form's check and the service's: the form again, with the terms in force.
                terms = TermsVersion.current()
                form = UseApplicationForm(request.POST, terms=terms)
                if form.is_valid():
                    form.add_error(None, exc.message)
            except services.OperatorCodeTaken as exc:  # applied for meanwhile: on its field, like the form's check
                form.add_error("code", exc.message)
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
    application = services.application_for_resubmit_token(token[:RESUBMIT_TOKEN_MAX_CHARS])
    if application is None:
        return render(request, "registration/use_application_link_invalid.html", status=404)
    if request.method == "POST":
        form = UseApplicationCorrectionForm(request.POST, instance=application)
        version_form = VersionForm(request.POST)
        if form.is_valid() and version_form.is_valid():
            try:
                services.resubmit_use_application(application=application, values=form.cleaned_data,
                                                  expected_version=version_form.cleaned_data["version"])
            except services.OperatorCodeTaken as exc:
                form.add_error("code", exc.message)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                request.session[DONE_SESSION_KEY] = application.number
                return redirect("registration:use_application_done")
    else:
        form = UseApplicationCorrectionForm(instance=application)
    return render(request, "registration/use_application_resubmit.html",
                  {"form": form, "application": application})


# --- the operator's own pages (事業者情報管理機能 / 事業者情報審査管理機能) ------------------------------------------
@login_required
@require_http_methods(["GET"])
def operator_detail(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    applications = services.operator_applications.list_for_user(user=request.user)
    rows = [(operator._meta.get_field(f).verbose_name, operator.display_value(f)) for f in OperatorInfo.INFO_FIELDS]
    open_application = services.operator_applications.open_for_subject(operator)
    return render(request, "registration/operator_detail.html", {
        "app_type": services.operator_applications,
        "operator": operator,
        "rows": rows,
        "applications": applications,
        "open_application": open_application,
        "open_panel": open_application and open_application_panel(
            request, app_type=services.operator_applications, application=open_application, next_url=request.path),
    })


def _operator_open_application_page(request, operator, title):
    """The open change or deletion application instead of a form that could not be sent (the kit's page)."""
    return open_application_page(request, app_type=services.operator_applications, subject=operator, title=title,
                                 back_url=reverse("registration:operator_detail"),
                                 back_label=_("Back to operator information"))


@login_required
@require_http_methods(["GET", "POST"])
def change_application(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    blocked = _operator_open_application_page(request, operator, _("Apply for a change of operator information"))
    if blocked:
        return blocked
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
                return redirect(services.operator_applications.url("detail", application))
    else:
        form = ChangeApplicationForm(initial=operator.info_values())
    return render(request, "registration/change_application.html", {"form": form, "operator": operator})


@login_required
@require_http_methods(["GET", "POST"])
def deletion_application(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    if not request.user.is_operator_admin:
        raise PermissionDenied
    blocked = _operator_open_application_page(request, operator,
                                              _("Apply for deletion of the operator's registration"))
    if blocked:
        return blocked
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
            return redirect(services.operator_applications.url("detail", application))
    return render(request, "registration/deletion_application.html", {"form": form, "operator": operator})


# --- resources (電源等情報管理機能 / 電源等情報審査管理機能) -------------------------------------------------------
RESOURCE_PAGE_SIZE = 50
# The resource list shows the newest open applications; all of them are on the resource-application list.
OPEN_APPLICATIONS_SHOWN = 20


def _resource_form_page(request, *, template: str, form, formset, context: dict) -> HttpResponse:
    return render(request, template, {"form": form, "formset": formset, **context})


@login_required
@require_http_methods(["GET"])
def resource_list(request: HttpRequest) -> HttpResponse:
    selectors.operator_for_user(user=request.user)
    filter_form = ResourceFilterForm(request.GET or None)
    resources = selectors.resource_list_for_user(user=request.user, **filter_form.filters())
    page = Paginator(resources, RESOURCE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registration/resource_list.html", {
        "filter_form": filter_form, "page": page, "resources": page.object_list, "query": query.urlencode(),
        "app_type": services.resource_applications,
        "open_applications": services.resource_applications.list_for_user(
            user=request.user, status__in=OPEN_STATUSES)[:OPEN_APPLICATIONS_SHOWN],
    })


@login_required
@require_http_methods(["GET"])
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get_for_user(user=request.user, pk=pk)
    rows = [(resource._meta.get_field(f).verbose_name, resource.display_value(f)) for f in ResourceInfo.INFO_FIELDS]
    open_application = services.resource_applications.open_for_subject(resource)
    return render(request, "registration/resource_detail.html", {
        "resource": resource, "rows": rows, "units": resource.units.all(), "app_type": services.resource_applications,
        "applications": services.resource_applications.list_for_user(user=request.user, resource=resource),
        "open_application": open_application,
        "open_panel": open_application and open_application_panel(
            request, app_type=services.resource_applications, application=open_application, next_url=request.path),
        "panels": panels.render_resource_panels(request, resource),  # e.g. expected capacity per auction
    })


def _resource_open_application_page(request, resource, title):
    """The resource's open change or deletion application instead of a form that could not be sent."""
    return open_application_page(
        request, app_type=services.resource_applications, subject=resource,
        title=f"{title}: {resource.grid_code} {resource.name}",
        back_url=reverse("registration:resource_detail", kwargs={"pk": resource.pk}),
        back_label=_("Back to the resource"))


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    form = ResourceForm(request.POST or None)
    formset = unit_formset(request)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            application = services.submit_new_resource_application(
                operator=operator, actor=request.user, values=form.cleaned_data, units=formset.units(),
                applicant_comment=form.cleaned_data.get("applicant_comment", ""))
        except services.ResourceInvalid as exc:
            show_violations(form, formset, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your resource application %(number)s was submitted.")
                             % {"number": application.number})
            return redirect(services.resource_applications.url("detail", application))
    return _resource_form_page(request, template="registration/resource_form.html", form=form, formset=formset,
                               context={"title": _("Register a new resource")})


@login_required
@require_http_methods(["GET", "POST"])
def resource_change(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get_for_user(user=request.user, pk=pk)
    if not resource.is_active:
        messages.error(request, _("This resource has been deleted."))
        return redirect("registration:resource_detail", pk=resource.pk)
    blocked = _resource_open_application_page(request, resource, _("Apply for a change of the resource"))
    if blocked:
        return blocked
    form = ResourceForm(request.POST or None, initial=resource.info_values())
    formset = unit_formset(request, initial=[u.unit_values() for u in resource.units.all()])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            application = services.submit_resource_change_application(
                resource=resource, actor=request.user, values=form.cleaned_data, units=formset.units(),
                applicant_comment=form.cleaned_data.get("applicant_comment", ""))
        except services.ResourceInvalid as exc:
            show_violations(form, formset, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your change application %(number)s was submitted.")
                             % {"number": application.number})
            return redirect(services.resource_applications.url("detail", application))
    return _resource_form_page(request, template="registration/resource_form.html", form=form, formset=formset,
                               context={"title": _("Apply for a change of the resource"), "resource": resource})


@login_required
@require_http_methods(["GET", "POST"])
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get_for_user(user=request.user, pk=pk)
    if not request.user.is_operator_admin:
        raise PermissionDenied
    blocked = _resource_open_application_page(request, resource, _("Apply for deletion of the resource"))
    if blocked:
        return blocked
    form = ResourceDeletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.submit_resource_deletion_application(
                resource=resource, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your deletion application %(number)s was submitted.")
                             % {"number": application.number})
            return redirect(services.resource_applications.url("detail", application))
    return render(request, "registration/resource_delete.html", {
        "form": form, "resource": resource, "refusals": services.deletion_refusals(resource),
    })


# --- bulk registration by CSV and export -------------------------------------------------------------------------
def _import_job_for_user(request: HttpRequest, pk: int) -> ImportJob:
    return bulk_import.job_get_for_user(spec=csv_format.SPEC, user=request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def resource_import(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    return bulk_import.upload_page(request, spec=csv_format.SPEC, operator_id=operator.pk,
                                   template="registration/resource_import.html")


@login_required
@require_http_methods(["GET", "POST"])
def resource_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job_for_user(request, pk)
    return bulk_import.job_page(
        request, job=job, template="registration/resource_import_job.html",
        page_url=reverse("registration:resource_import_job", kwargs={"pk": job.pk}),
        status_url=reverse("registration:resource_import_status", kwargs={"pk": job.pk}),
        applications=ResourceApplication.objects.filter(import_job=job),
    )


@login_required
@require_http_methods(["GET"])
def resource_import_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(bulk_import.status(_import_job_for_user(request, pk)))


@login_required
@require_http_methods(["GET"])
def resource_import_template(request: HttpRequest) -> HttpResponse:
    selectors.operator_for_user(user=request.user)
    return bulk_import.csv_response("resources_template.csv", csv_format.HEADERS, [])


@login_required
@require_http_methods(["GET"])
def resource_export(request: HttpRequest) -> HttpResponse:
    operator = selectors.operator_for_user(user=request.user)
    rows = csv_format.export_rows(selectors.resources_for_export(user=request.user))
    return bulk_import.csv_response(f"resources_{operator.code}.csv", csv_format.HEADERS, rows)
