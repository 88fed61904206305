"""Application types: what makes one kind of application different, declared once and used by the kit's pages.

An app declares one `ApplicationType` subclass per application model (in its services module) and registers an
instance; the kit's operator pages (list, detail, resubmit, withdraw), the review queue and the contract tests
read everything else from it:

    class ResourceApplicationType(review.ApplicationType):
        model = ResourceApplication
        namespace, url_prefix = "registration", "resource_application"
        list_title = _("Resource applications")

        def apply_new(self, application, actor): ...        # approval of a new application creates the subject
        def editor(self, request, application): ...        # the resubmit form(s)

    resource_applications = review.register(ResourceApplicationType())

The defaults cover the common case: the operator's applications through the scoping helpers, withdraw and
resubmit through the workflow, approval dispatched by kind to `apply_new` / `apply_change` (copy the declared
info fields onto the subject, audited) / `apply_deletion` (deactivate the subject, audited, unless a deletion
guard refuses).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import audit
from ..errors import DomainError
from ..scoping import get_for_user_or_404, scope_to_user
from . import workflow
from .base import SubjectApplication
from .workflow import ApplicationKind, ReviewStatus

_registry: dict[type, "ApplicationType"] = {}

NOTHING_DIFFERS = _("Nothing differs from the current information; there is nothing to apply for.")


class OpenApplicationExists(DomainError):
    """The subject already has an open application of this type."""


@dataclass
class Editor:
    """The form(s) of a resubmission: bound on POST, and how their cleaned data become the service's values.

    `forms`: every form to validate (the first is rendered as `form`); `to_values(*forms)` → the values mapping;
    `show_error(exc)` puts a domain error on the right fields and answers whether it did (else it becomes a
    message); `context`: whatever else the type's resubmit template shows."""

    forms: list
    to_values: Callable[..., Mapping] = lambda form, *rest: dict(form.cleaned_data)
    show_error: Callable[[DomainError], bool] = lambda exc: False
    context: dict = field(default_factory=dict)

    @property
    def form(self):
        return self.forms[0]

    def is_valid(self) -> bool:
        results = [f.is_valid() for f in self.forms]  # every form validated, so each shows its errors
        return all(results)

    def values(self) -> Mapping:
        return self.to_values(*self.forms)

    @property
    def has_errors(self) -> bool:
        return any(f.is_bound and not f.is_valid() for f in self.forms)


class CommentForm(forms.Form):
    """The resubmission of a deletion: only the applicant's note changes."""

    applicant_comment = forms.CharField(label=_("Reason / note to OCCTO"), required=False, max_length=1000,
                                        widget=forms.Textarea(attrs={"rows": 3}))


class ApplicationType:
    """One application type (see the module docstring). Subclass, set the class attributes, override what differs."""

    model: ClassVar[type[SubjectApplication]]
    namespace: ClassVar[str]          # the URL namespace of the app ("registration")
    url_prefix: ClassVar[str]         # URL names are <prefix>_list, _detail, _resubmit, _withdraw
    list_title: ClassVar[Any] = _("Applications")
    subject_heading: ClassVar[Any] = ""  # the list's column naming each application's subject ("" = none)
    # Relations the list and detail read (select_related) and the detail prefetches.
    related: ClassVar[tuple[str, ...]] = ("submitted_by", "reviewed_by")
    prefetch: ClassVar[tuple[str, ...]] = ()
    # Templates: each defaults to the kit's one; a type's own extends it and overrides blocks only.
    list_template: ClassVar[str] = "includes/application_list.html"
    detail_template: ClassVar[str] = "includes/application_detail.html"
    resubmit_template: ClassVar[str] = "includes/application_resubmit.html"
    page_size: ClassVar[int] = 50
    # Refusals worded for the type (what "it" is).
    open_exists_message: ClassVar[Any] = _("There is already an open application for this. Withdraw it or wait "
                                           "for its decision before applying again.")
    deleted_message: ClassVar[Any] = _("This record has been deleted.")

    # --- URLs -----------------------------------------------------------------------------------------------
    def url_name(self, page: str) -> str:
        return f"{self.namespace}:{self.url_prefix}_{page}"

    def url(self, page: str, application=None) -> str:
        kwargs = {"pk": application.pk} if application is not None else {}
        return reverse(self.url_name(page), kwargs=kwargs)

    @property
    def detail_url_name(self) -> str:
        return self.url_name("detail")

    def urls(self) -> list:
        """The kit's four operator pages of this type, to include in the app's `urlpatterns`."""
        from . import views

        prefix = self.url_prefix
        return [
            path("", views.application_list, {"app_type": self}, name=f"{prefix}_list"),
            path("<int:pk>/", views.application_detail, {"app_type": self}, name=f"{prefix}_detail"),
            path("<int:pk>/resubmit/", views.application_resubmit, {"app_type": self}, name=f"{prefix}_resubmit"),
            path("<int:pk>/withdraw/", views.application_withdraw, {"app_type": self}, name=f"{prefix}_withdraw"),
        ]

    def back_link(self, application) -> tuple[str, Any]:
        """(url, label) of the page the detail leads back to (default: this type's list)."""
        return self.url("list"), self.list_title

    # --- reads (always through the scoping helpers) -----------------------------------------------------------
    def queryset(self) -> QuerySet:
        return self.model._default_manager.select_related(*self.related)

    def list_for_user(self, *, user, status: str = "", kind: str = "", **filters) -> QuerySet:
        """The user's operator's applications of this type, newest first, filtered by status and kind."""
        qs = scope_to_user(self.queryset(), user=user)
        if status:
            qs = qs.filter(status=status)
        if kind:
            qs = qs.filter(kind=kind)
        return qs.filter(**filters).order_by("-created_at", "-pk")

    def get_for_user(self, *, user, pk):
        """One of the user's operator's applications; missing and not-yours both raise Http404."""
        return get_for_user_or_404(self.queryset().prefetch_related(*self.prefetch), user=user, pk=pk)

    def open_for_subject(self, subject, **scope):
        """The subject's open application of this type, if any (there is at most one)."""
        return (self.model._default_manager.filter(**{self.model.subject_field: subject}, **scope,
                                                   status__in=workflow.OPEN_STATUSES)
                .order_by("-pk").first())

    # --- filing an application ------------------------------------------------------------------------------------
    def lock_subject_for_application(self, subject, **scope):
        """Lock the subject of a new change or deletion application (call inside a transaction): it must be active
        and have no open application of this type (the database constraint is the last guard)."""
        locked = type(subject)._default_manager.select_for_update().get(pk=subject.pk)
        if not getattr(locked, "is_active", True):
            raise DomainError(self.deleted_message)
        if self.open_for_subject(locked, **scope) is not None:
            raise OpenApplicationExists(self.open_exists_message)
        return locked

    def file(self, application, *, actor):
        """Save a prepared application and submit it (inside the caller's transaction); a change must differ from
        the current record. The one-open constraint refusing becomes OpenApplicationExists."""
        if application.kind == ApplicationKind.CHANGE and not self.differs(application):
            raise DomainError(NOTHING_DIFFERS)
        try:
            with transaction.atomic():
                application.save()
                self.after_save(application, created=True)
                workflow.submit(application=application, actor=actor, expected_version=application.version)
        except IntegrityError as exc:
            raise self.integrity_error(exc) from exc
        return application

    def after_save(self, application, *, created: bool) -> None:
        """Hook: what else a filed or corrected application stores (a resource application's member units)."""

    def differs(self, application) -> bool:
        """Whether a change application proposes anything different from the current record."""
        return bool(application.changed_fields())

    def integrity_error(self, exc: IntegrityError) -> DomainError:
        """The refusal a database constraint's violation becomes (default: an open application exists)."""
        return OpenApplicationExists(self.open_exists_message)

    # --- who may do what ----------------------------------------------------------------------------------------
    def can_act(self, application, user) -> bool:
        """Whether `user` may withdraw (and, once returned, resubmit) this application on the operator pages."""
        return application.is_applicant(user)

    # --- writes ----------------------------------------------------------------------------------------------------
    def withdraw(self, *, application, actor, expected_version: int | None):
        """Withdraw (取下げ) an open application before its decision."""
        return workflow.withdraw(application=application, actor=actor, expected_version=expected_version)

    def resubmit(self, *, application, actor, values: Mapping, expected_version: int | None):
        """Correct and resubmit a returned application: `update(locked, values)` then submit, atomically."""
        return workflow.submit(application=application, actor=actor, expected_version=expected_version,
                               effect=lambda locked: self.update(locked, values))

    def update(self, application, values: Mapping) -> None:
        """Write corrected values onto a returned application (default: the declared info fields and the note;
        a deletion only takes a new note). A change must still differ from the current record."""
        names = ("applicant_comment",) if application.kind == ApplicationKind.DELETION else \
            (*application.INFO_FIELDS, "applicant_comment")
        for name in names:
            if name in values:
                setattr(application, name, values[name])
        if application.kind == ApplicationKind.CHANGE and not self.differs(application):
            raise DomainError(NOTHING_DIFFERS)
        application.save()
        self.after_save(application, created=False)

    def editor(self, request: HttpRequest, application) -> Editor:
        """The resubmit form(s) for `application`, bound to request.POST on POST. Override for the type's form."""
        return Editor([CommentForm(request.POST if request.method == "POST" else None,
                                   initial={"applicant_comment": application.applicant_comment})])

    def approve(self, *, application, actor, expected_version: int | None, comment: str = ""):
        """Approve and apply to the master data in the same transaction (`apply`)."""
        with transaction.atomic():
            return workflow.approve(application=application, actor=actor, comment=comment,
                                    expected_version=expected_version,
                                    effect=lambda locked: self.apply(locked, actor))

    def send_back(self, *, application, actor, comment: str, expected_version: int | None):
        return workflow.send_back(application=application, actor=actor, comment=comment,
                                  expected_version=expected_version)

    def reject(self, *, application, actor, comment: str, expected_version: int | None):
        return workflow.reject(application=application, actor=actor, comment=comment,
                               expected_version=expected_version)

    # --- the apply step of an approval ----------------------------------------------------------------------------
    def apply(self, application, actor) -> None:
        """Apply an approved application by kind (called inside the approval's transaction, row locked)."""
        if application.kind == ApplicationKind.NEW:
            self.apply_new(application, actor)
        elif application.kind == ApplicationKind.CHANGE:
            self.apply_change(application, actor)
        else:
            self.apply_deletion(application, actor)

    def apply_new(self, application, actor) -> None:
        raise DomainError(_("This kind of application cannot create a record."))

    def lock_subject(self, application):
        """The subject, locked for the apply step; an inactive one refuses."""
        subject_model = application._meta.get_field(application.subject_field).related_model
        subject = subject_model._default_manager.select_for_update().get(pk=application.subject_id)
        if not getattr(subject, "is_active", True):
            raise DomainError(self.deleted_message)
        return subject

    def audit_action(self, verb: str) -> str:
        """`<app of the type>.<subject model>_<verb>`, e.g. registration.operator_changed."""
        subject_model = self.model._meta.get_field(self.model.subject_field).related_model
        return f"{self.model._meta.app_label}.{subject_model._meta.model_name}_{verb}"

    def apply_change(self, application, actor) -> None:
        """Copy the declared info fields onto the subject, audited with the values before and after."""
        subject = self.lock_subject(application)
        before = {**{f: getattr(subject, f) for f in application.INFO_FIELDS}, **self.extra_audit(subject)}
        for name in application.INFO_FIELDS:
            setattr(subject, name, getattr(application, name))
        subject.save()
        self.after_change(application, subject, actor)
        audit.record(action=self.audit_action("changed"), actor=actor, operator_id=application.operator_id,
                     target=subject, before=before,
                     after={**application.info_values(), **self.extra_audit(subject)})

    def after_change(self, application, subject, actor) -> None:
        """Hook: what else a change writes (a resource's member units)."""

    def extra_audit(self, subject) -> dict:
        """Hook: further values of the subject the change's audit entry records (read before and after)."""
        return {}

    def deletion_refusals(self, subject) -> list[str]:
        """Translated reasons the subject cannot be deleted now (the app's deletion guards)."""
        return []

    def apply_deletion(self, application, actor) -> None:
        """Deactivate the subject (records are kept) unless a deletion guard refuses; audited."""
        subject = self.lock_subject(application)
        refusals = self.deletion_refusals(subject)
        if refusals:
            raise DomainError(" ".join(refusals))
        subject.is_active = False
        subject.deleted_at = timezone.now()
        subject.save(update_fields=["is_active", "deleted_at", "updated_at"])
        after = {"is_active": False, **self.after_deletion(application, subject, actor)}
        audit.record(action=self.audit_action("deleted"), actor=actor, operator_id=application.operator_id,
                     target=subject, before={"is_active": True}, after=after)

    def after_deletion(self, application, subject, actor) -> dict:
        """Hook: what else a deletion does; returns values for the audit entry."""
        return {}

    # --- the review queue --------------------------------------------------------------------------------------------
    @property
    def status_choices(self):
        return ReviewStatus.choices

    @property
    def kind_choices(self):
        return [(k, label) for k, label in ApplicationKind.choices if k in self.model.allowed_kinds]


def register(application_type: ApplicationType) -> ApplicationType:
    """Register an application type (once per model); returns it, for the app's urls and admin to use."""
    existing = _registry.get(application_type.model)
    if existing is not None and type(existing) is not type(application_type):
        raise ValueError(f"{application_type.model.__name__} is already registered as {type(existing).__name__}")
    _registry[application_type.model] = application_type
    return application_type


def type_for(model_or_instance) -> ApplicationType:
    model = model_or_instance if isinstance(model_or_instance, type) else type(model_or_instance)
    return _registry[model]


def registered_types() -> list[ApplicationType]:
    return list(_registry.values())
