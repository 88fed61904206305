"""Operator-information services (writes): the use application, change and deletion applications, decisions.

Keyword-only, atomic and audited. They wrap the review-workflow transitions of `capacity_market.review` and
add the domain effect explicitly: approving a use application creates the operator and issues its one admin
ID; approving a change copies the values; approving a deletion deactivates the operator and its users, unless
an operator deletion guard (`register_operator_deletion_guard`) refuses.
"""

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.models import TermsVersion, User
from accounts.selectors import login_id_taken
from capacity_market import audit, hooks, review
from capacity_market.errors import DomainError
from capacity_market.notifications import notify
from capacity_market.review import ApplicationKind, ReviewStatus
from tenants.models import normalise_operator_code

from . import rules, selectors
from .models import (
    Operator,
    OperatorApplication,
    OperatorInfo,
    Resource,
    ResourceApplication,
    ResourceApplicationUnit,
    ResourceInfo,
    ResourceUnit,
    ResourceUnitInfo,
    operator_code_validator,
)

RESUBMIT_SALT = "registration.use_application.resubmit"


OpenApplicationExists = review.OpenApplicationExists


TERMS_REVISED_MESSAGE = _("The terms of use were revised while you were filling in the form. Read the current "
                          "terms below and accept them again.")


class TermsRevised(DomainError):
    """The terms version the applicant read and accepted is no longer the one in force."""

    def __init__(self):
        super().__init__(TERMS_REVISED_MESSAGE)


def _info_only(values: Mapping) -> dict:
    return {f: values[f] for f in OperatorInfo.INFO_FIELDS if f in values}


OPERATOR_CODE_TAKEN = _("This operator code is already registered or applied for. Check the code issued to your "
                        "company; if it is yours, contact OCCTO.")
OPEN_CODE_CONSTRAINT = "one_open_use_application_per_operator_code"


class OperatorCodeTaken(DomainError):
    """The 事業者コード of a use application is held by an operator or by another open use application."""

    def __init__(self, message=OPERATOR_CODE_TAKEN):
        super().__init__(message)


def _operator_code(values: Mapping, *, application: OperatorApplication | None = None) -> str:
    """The use application's 事業者コード, normalised (a correction without one keeps the application's); refused
    when malformed or held by someone else."""
    from django.core.exceptions import ValidationError

    code = normalise_operator_code(values.get("code", application.code if application is not None else ""))
    try:
        operator_code_validator(code)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from exc
    if selectors.operator_code_taken(code, exclude_application=application):
        raise OperatorCodeTaken()
    return code


def _is_code_conflict(exc: IntegrityError) -> bool:
    """Whether the refused row broke an operator-code uniqueness (an open use application's, or the operators')."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    return name == OPEN_CODE_CONSTRAINT or (name.startswith("tenants_operator_code") and "_like" not in name)


# --- the use application (利用申請) ------------------------------------------------------------------------
def submit_use_application(*, values: Mapping, language: str,
                           terms_version: TermsVersion | None) -> OperatorApplication:
    """Create and submit a use application from an anonymous applicant (利用規約 2.1).

    `values`: cleaned operator information plus code (the 事業者コード the business holds), applicant_email,
    admin_login_id, admin_full_name, admin_full_name_kana. `terms_version`: the version the applicant was shown and accepted; it is recorded as
    accepted now, and only if it is still the version in force (TermsRevised otherwise, nothing stored). A
    receipt is e-mailed to the applicant on commit. Raises DomainError if there are no terms in force, the
    operator code is malformed or held (OperatorCodeTaken) or the login ID is already held.
    """
    terms = TermsVersion.current()
    if terms is None:
        raise DomainError(_("No terms of use are in force; applications cannot be accepted now."))
    if terms_version is None or terms_version.pk != terms.pk:
        raise TermsRevised()
    code = _operator_code(values)
    try:
        with transaction.atomic():
            application = OperatorApplication.objects.create(
                kind=ApplicationKind.NEW, code=code,
                applicant_email=values["applicant_email"],
                applicant_language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
                admin_login_id=values["admin_login_id"],
                admin_full_name=values["admin_full_name"],
                admin_full_name_kana=values["admin_full_name_kana"],
                terms_version=terms,
                terms_accepted_at=timezone.now(),
                **_info_only(values),
            )
            audit.record(action="registration.use_application_created", target=application,
                         actor_label=values["applicant_email"],
                         after={"applicant_email": application.applicant_email, "terms": terms.version,
                                "admin_login_id": application.admin_login_id, "code": application.code})
            review.submit(application=application, actor=None, expected_version=application.version)
            send_use_application_receipt(application=application)
    except IntegrityError as exc:
        if _is_code_conflict(exc):
            raise OperatorCodeTaken() from exc
        raise DomainError(_("This login ID is already taken; choose another.")) from exc
    return application


def _use_applicant(application: OperatorApplication) -> list[tuple[str, str]]:
    """The use applicant as a mail recipient: an address and a language, no ID (they never log in to hear)."""
    return [(application.applicant_email, application.applicant_language)] if application.applicant_email else []


def send_use_application_receipt(*, application: OperatorApplication, resubmitted: bool = False) -> None:
    """E-mail the applicant, in the language they applied in, that the use application (or its correction) was
    received, with its number (queued: sent once the transaction commits)."""
    notify(template="registration/email/receipt", recipients=_use_applicant(application),
           context={"application": application, "resubmitted": resubmitted})


def send_use_application_rejection(*, application: OperatorApplication) -> None:
    """E-mail the applicant of a rejected use application why, and what they may do without an ID: apply again
    on the public form once the reason is resolved, or ask OCCTO."""
    notify(template="registration/email/rejected", recipients=_use_applicant(application),
           context={"application": application,
                    "apply_url": settings.SITE_URL.rstrip("/") + reverse("registration:use_application")})


def resubmit_token(application: OperatorApplication) -> str:
    """A signed token for the applicant of a returned use application (they have no ID to log in with)."""
    return signing.dumps({"a": application.pk, "v": application.version}, salt=RESUBMIT_SALT)


def application_for_resubmit_token(token: str, *, max_age_days: int = 30) -> OperatorApplication | None:
    """The returned use application a token speaks of, if the token is valid and the application unchanged."""
    try:
        data = signing.loads(token, salt=RESUBMIT_SALT, max_age=max_age_days * 86400)
        application = OperatorApplication.objects.get(pk=int(data["a"]), kind=ApplicationKind.NEW)
    except (signing.BadSignature, OperatorApplication.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    if application.status != ReviewStatus.RETURNED or application.version != data.get("v"):
        return None
    return application


def resubmit_use_application(*, application: OperatorApplication, values: Mapping,
                             expected_version: int) -> OperatorApplication:
    """Correct and resubmit a returned use application (reached through the e-mailed token link); its operator
    code too, which must still be well-formed and not held by anyone else."""
    code = _operator_code(values, application=application)

    def apply(locked):
        for field, value in _info_only(values).items():
            setattr(locked, field, value)
        locked.code = code
        locked.save()

    try:
        with transaction.atomic():
            result = review.submit(application=application, actor=None, expected_version=expected_version,
                                   effect=apply)
            send_use_application_receipt(application=result, resubmitted=True)
            return result
    except IntegrityError as exc:
        if _is_code_conflict(exc):
            raise OperatorCodeTaken() from exc
        raise


def send_resubmit_link(*, application: OperatorApplication) -> None:
    """E-mail the applicant of a returned use application the link to correct and resubmit it (queued: sent
    once the transaction commits; the link carries the application's version after the return)."""
    url = settings.SITE_URL.rstrip("/") + reverse(
        "registration:use_application_resubmit", kwargs={"token": resubmit_token(application)}
    )
    notify(template="registration/email/resubmit", recipients=_use_applicant(application),
           context={"application": application, "url": url})


# --- operator deletion guards (apps built on operators register theirs, like the resource guards below) ---------
OperatorDeletionGuard = Callable[[Operator], "str | None"]
_operator_deletion_guards: list[OperatorDeletionGuard] = []


def register_operator_deletion_guard(func: OperatorDeletionGuard) -> OperatorDeletionGuard:
    """Register `func(operator) -> reason or None`: a translated reason refuses the operator's deletion.

    Apps holding open business of an operator (auctions: active bids not yet settled by published results)
    register theirs in AppConfig.ready(). Registering the same function twice has no effect. Usable as a
    decorator."""
    return hooks.register(_operator_deletion_guards, func)


def operator_deletion_refusals(operator: Operator) -> list[str]:
    """The reasons the operator cannot be deleted now (empty: it can)."""
    return [str(reason) for reason in hooks.answers(_operator_deletion_guards, operator)]


# --- operator applications: the kit's application type (事業者情報管理機能 / 審査管理機能) -------------------------
class OperatorApplicationType(review.ApplicationType):
    """Use (new), change and deletion applications of operator information. Approval of a use application creates
    the operator and issues its one admin ID; a deletion also deactivates the operator's users."""

    model = OperatorApplication
    namespace, url_prefix = "registration", "application"
    list_title = _("Operator information applications")
    related = ("operator", "submitted_by", "reviewed_by", "terms_version")
    resubmit_template = "registration/application_resubmit.html"
    open_exists_message = _("Your operator already has an open change or deletion application. Withdraw it or "
                            "wait for its decision before applying again.")
    deleted_message = _("This operator has been deleted.")
    code_taken_on_approval = _("The operator code %(code)s is already registered to another operator; nothing was "
                               "changed. Return the application so that the applicant can check the code.")

    def back_link(self, application):
        return reverse("registration:operator_detail"), _("Back to operator information")

    def can_act(self, application, user) -> bool:
        # A use application is acted on only through the e-mailed correction link, never on these pages.
        return application.kind != ApplicationKind.NEW and application.is_applicant(user)

    def editor(self, request, application) -> review.Editor:
        from .forms import ChangeApplicationForm, DeletionApplicationForm

        data = request.POST if request.method == "POST" else None
        if application.kind == ApplicationKind.CHANGE:
            form = ChangeApplicationForm(data, initial={**application.info_values(),
                                                        "applicant_comment": application.applicant_comment})
            return review.Editor([form], context={"is_change": True})
        form = DeletionApplicationForm(data, initial={"reason": application.applicant_comment})
        return review.Editor([form], to_values=lambda f: {"applicant_comment": f.cleaned_data["reason"]})

    def apply_new(self, application, actor) -> None:
        if application.operator_id is not None:
            raise DomainError(_("An operator was already created from this application."))
        if login_id_taken(application.admin_login_id, exclude_application=application):
            raise DomainError(_("The requested login ID %(login_id)s is already in use; return the application so "
                                "the applicant can choose another.") % {"login_id": application.admin_login_id})
        if not application.code:
            raise DomainError(_("This use application has no operator code; return it so the applicant can enter "
                                "the code their company holds."))
        if selectors.operator_code_taken(application.code, exclude_application=application):
            raise OperatorCodeTaken(self.code_taken_on_approval % {"code": application.code})
        operator = Operator.objects.create(code=application.code, **application.info_values())
        application.operator = operator
        application.save(update_fields=["operator"])
        audit.record(action="registration.operator_created", actor=actor, operator_id=operator.pk,
                     target=operator, after={"code": operator.code, **application.info_values()})
        # The approval mail of a use application is the admin-ID mail: the ID, how to set its password, the
        # operator code and OCCTO's comment (the applicant had no ID to log in with before).
        user = account_services.issue_admin_id(
            operator=operator, login_id=application.admin_login_id, full_name=application.admin_full_name,
            email=application.applicant_email, language=application.applicant_language, actor=actor,
            mail_context={"application_number": application.number, "comment": application.review_comment},
        )
        if application.admin_full_name_kana:
            user.full_name_kana = application.admin_full_name_kana
            user.save(update_fields=["full_name_kana"])

    def deletion_refusals(self, subject) -> list[str]:
        return operator_deletion_refusals(subject)

    def after_deletion(self, application, subject, actor) -> dict:
        """The operator's users are deactivated with it (their records are kept)."""
        user_ids = list(User.objects.filter(operator=subject, is_active=True).values_list("pk", flat=True))
        User.objects.filter(pk__in=user_ids).update(is_active=False, deactivated_at=subject.deleted_at)
        return {"deactivated_user_ids": user_ids}

    def approve(self, *, application, actor, expected_version, comment=""):
        """new: create the operator (with the 事業者コード applied for) and issue its one admin ID (set-password link e-mailed to
        the applicant on commit); change: copy the values; deletion: deactivate the operator and its users. Stale
        versions, a reviewer deciding their own submission, a second admin ID for the same operator
        (AdminIdIssuance one-to-one), an operator code registered meanwhile (by a concurrent approval; the
        operators' unique code is the last guard) all refuse with nothing changed."""
        try:
            return super().approve(application=application, actor=actor, expected_version=expected_version,
                                   comment=comment)
        except IntegrityError as exc:
            if _is_code_conflict(exc):
                raise OperatorCodeTaken(self.code_taken_on_approval % {"code": application.code}) from exc
            raise DomainError(_("The operator or its administrator ID could not be created because one already "
                                "exists; nothing was changed.")) from exc

    def reject(self, *, application, actor, comment, expected_version):
        """Reject with a comment. A rejected use application's applicant is told why and what to do without an ID."""
        with transaction.atomic():
            result = super().reject(application=application, actor=actor, comment=comment,
                                    expected_version=expected_version)
            if result.kind == ApplicationKind.NEW:
                send_use_application_rejection(application=result)
        return result

    def send_back(self, *, application, actor, comment, expected_version):
        """Return with a comment. A returned use application's applicant gets a correction link."""
        with transaction.atomic():
            result = super().send_back(application=application, actor=actor, comment=comment,
                                       expected_version=expected_version)
            if result.kind == ApplicationKind.NEW:
                send_resubmit_link(application=result)
        return result


operator_applications = review.register(OperatorApplicationType())
approve_operator_application = operator_applications.approve
send_back_operator_application = operator_applications.send_back
resubmit_application = operator_applications.resubmit
withdraw_application = operator_applications.withdraw


def submit_change_application(*, operator: Operator, actor, values: Mapping) -> OperatorApplication:
    """Apply for a change of operator information. Refused when nothing differs or another is open."""
    with transaction.atomic():
        locked = operator_applications.lock_subject_for_application(operator)
        application = OperatorApplication(
            kind=ApplicationKind.CHANGE, operator=locked, code=locked.code,
            applicant_comment=values.get("applicant_comment", ""),
            applicant_language=actor.language, **_info_only(values),
        )
        return operator_applications.file(application, actor=actor)


def submit_deletion_application(*, operator: Operator, actor, reason: str = "") -> OperatorApplication:
    """Apply for deletion of the operator's registration. The operator admin only; refused while a registered
    operator deletion guard holds the operator (checked again at approval)."""
    if not getattr(actor, "is_operator_admin", False) or actor.operator_id != operator.pk:
        raise review.NotAllowed(_("Only your operator's administrator may apply for deletion."))
    refusals = operator_deletion_refusals(operator)
    if refusals:
        raise DomainError(" ".join(refusals))
    with transaction.atomic():
        locked = operator_applications.lock_subject_for_application(operator)
        application = OperatorApplication(
            kind=ApplicationKind.DELETION, operator=locked, code=locked.code, applicant_comment=reason,
            applicant_language=actor.language, **locked.info_values(),
        )
        return operator_applications.file(application, actor=actor)


# --- resources (電源等情報管理機能) ----------------------------------------------------------------------------
ResourceValues = Mapping
UnitValues = Sequence[Mapping]
DeletionGuard = Callable[[Resource], "str | None"]
_deletion_guards: list[DeletionGuard] = []
GRID_CODE_TAKEN = _("This grid code is already registered or applied for.")


class ResourceInvalid(DomainError):
    """A resource that breaks one or more rules; `violations` lists (field, message)."""

    def __init__(self, violations: list[rules.Violation]):
        self.violations = violations
        super().__init__(" ".join(message for _field, message in violations))


def register_deletion_guard(func: DeletionGuard) -> DeletionGuard:
    """Register `func(resource) -> reason or None`: a translated reason refuses the resource's deletion.

    Apps built on resources (auctions: expected capacity, bids; contracts) register theirs in AppConfig.ready().
    Registering the same function twice has no effect. Usable as a decorator."""
    return hooks.register(_deletion_guards, func)


def deletion_refusals(resource: Resource) -> list[str]:
    """The reasons the resource cannot be deleted now (empty: it can)."""
    return [str(reason) for reason in hooks.answers(_deletion_guards, resource)]


ChangeGuard = Callable[[ResourceApplication, Resource], "str | None"]
_change_guards: list[ChangeGuard] = []


def register_change_guard(func: ChangeGuard) -> ChangeGuard:
    """Register `func(application, resource) -> reason or None`: a translated reason refuses the approval of a
    change of the resource (auctions: installed capacity not below an expected capacity still in use)."""
    return hooks.register(_change_guards, func)


def _resource_values(values: Mapping) -> dict:
    return {f: values[f] for f in ResourceInfo.INFO_FIELDS if f in values}


def _unit_values(units: UnitValues) -> list[dict]:
    return [{f: u[f] for f in ResourceUnitInfo.UNIT_FIELDS} for u in units]


def validate_resource(values: Mapping, units: UnitValues, *, resource_id: int | None = None,
                      application_id: int | None = None) -> None:
    """Raise ResourceInvalid with every violation of the rules and of grid-code uniqueness."""
    violations = rules.check_resource(values, units)
    violations += rules.check_grid_codes_free(values, units, resource_id=resource_id, application_id=application_id)
    if violations:
        raise ResourceInvalid(violations)


def resource_changed(resource: Resource, values: Mapping, units: UnitValues) -> bool:
    """Whether `values`/`units` differ from the resource's current information."""
    current_units = sorted((u.unit_values() for u in resource.units.all()), key=lambda u: u["grid_code"])
    proposed_units = sorted(_unit_values(units), key=lambda u: u["grid_code"])
    return resource.info_values() != {**resource.info_values(), **_resource_values(values)} or \
        current_units != proposed_units


def _units_of(record) -> list[dict]:
    return [u.unit_values() for u in record.units.all()]


class ResourceApplicationType(review.ApplicationType):
    """New, change and deletion applications of resources with their member units (an aggregate's units are part
    of what is applied for, compared and approved). The rules are checked again at approval."""

    model = ResourceApplication
    namespace, url_prefix = "registration", "resource_application"
    list_title = _("Resource applications")
    subject_heading = _("Resource")
    related = ("operator", "resource", "submitted_by", "reviewed_by")
    prefetch = ("units", "resource__units")
    detail_template = "registration/resource_application_detail.html"
    resubmit_template = "registration/resource_application_resubmit.html"
    list_template = "registration/resource_application_list.html"
    open_exists_message = _("This resource already has an open change or deletion application. Withdraw it or "
                            "wait for its decision before applying again.")
    deleted_message = _("This resource has been deleted.")

    def after_save(self, application, *, created: bool) -> None:
        """Store the proposed member units given with the application (`proposed_units`), replacing any before."""
        units = getattr(application, "proposed_units", None)
        if units is None:
            return
        if not created:
            application.units.all().delete()
        ResourceApplicationUnit.objects.bulk_create(
            [ResourceApplicationUnit(application=application, **u) for u in _unit_values(units)])

    def differs(self, application) -> bool:
        units = getattr(application, "proposed_units", None)
        return resource_changed(application.resource, application.info_values(),
                                units if units is not None else _units_of(application))

    def integrity_error(self, exc):
        if "grid_code" in str(exc):
            return ResourceInvalid([("grid_code", str(GRID_CODE_TAKEN))])
        return super().integrity_error(exc)

    def update(self, application, values) -> None:
        if application.kind != ApplicationKind.DELETION:
            units = values.get("units")
            application.proposed_units = units if units is not None else _units_of(application)
            validate_resource(values, application.proposed_units, resource_id=application.resource_id,
                              application_id=application.pk)
        super().update(application, values)

    def editor(self, request, application) -> review.Editor:
        from .forms import ResourceDeletionForm, ResourceForm, show_violations, unit_formset

        data = request.POST if request.method == "POST" else None
        if application.kind == ApplicationKind.DELETION:
            form = ResourceDeletionForm(data, initial={"reason": application.applicant_comment})
            return review.Editor([form], to_values=lambda f: {"applicant_comment": f.cleaned_data["reason"]},
                                 context={"is_deletion": True})
        form = ResourceForm(data, initial={**application.info_values(),
                                           "applicant_comment": application.applicant_comment})
        formset = unit_formset(request, initial=_units_of(application))

        def show_error(exc) -> bool:
            if isinstance(exc, ResourceInvalid):
                show_violations(form, formset, exc)
                return True
            return False

        return review.Editor([form, formset], to_values=lambda f, fs: {**f.cleaned_data, "units": fs.units()},
                             show_error=show_error, context={"formset": formset})

    def resubmit(self, *, application, actor, values, expected_version):
        """Correct and resubmit a returned resource application (a deletion only takes a new note)."""
        try:
            with transaction.atomic():
                return super().resubmit(application=application, actor=actor, values=values,
                                        expected_version=expected_version)
        except IntegrityError as exc:
            raise ResourceInvalid([("grid_code", str(GRID_CODE_TAKEN))]) from exc

    def apply_new(self, application, actor) -> None:
        units = _units_of(application)
        validate_resource(application.info_values(), units, application_id=application.pk)
        resource = Resource.objects.create(operator_id=application.operator_id, **application.info_values())
        self._write_units(resource, application)
        application.resource = resource
        application.save(update_fields=["resource"])
        audit.record(action="registration.resource_created", actor=actor, operator_id=resource.operator_id,
                     target=resource, after={**resource.info_values(), "units": units})

    def apply_change(self, application, actor) -> None:
        validate_resource(application.info_values(), _units_of(application), resource_id=application.resource_id,
                          application_id=application.pk)
        refusals = [str(reason) for reason in hooks.answers(_change_guards, application, application.resource)]
        if refusals:
            raise DomainError(" ".join(refusals))
        super().apply_change(application, actor)

    def after_change(self, application, subject, actor) -> None:
        self._write_units(subject, application)

    def extra_audit(self, subject) -> dict:
        return {"units": _units_of(subject)}

    def deletion_refusals(self, subject) -> list[str]:
        return deletion_refusals(subject)

    @staticmethod
    def _write_units(resource: Resource, application: ResourceApplication) -> None:
        resource.units.all().delete()
        ResourceUnit.objects.bulk_create(
            [ResourceUnit(resource=resource, **u.unit_values()) for u in application.units.all()])

    def approve(self, *, application, actor, expected_version, comment=""):
        """new: create the resource; change: copy the values and replace the units; deletion: deactivate the
        resource (kept for history) unless a deletion guard refuses. A grid code taken meanwhile refuses with
        nothing changed."""
        try:
            return super().approve(application=application, actor=actor, expected_version=expected_version,
                                   comment=comment)
        except IntegrityError as exc:
            raise DomainError(_("This grid code is already registered; nothing was changed.")) from exc


resource_applications = review.register(ResourceApplicationType())
approve_resource_application = resource_applications.approve
resubmit_resource_application = resource_applications.resubmit
withdraw_resource_application = resource_applications.withdraw


def _file_resource_application(*, kind, operator_id, actor, values, units, applicant_comment, import_job,
                               resource=None) -> ResourceApplication:
    application = ResourceApplication(kind=kind, operator_id=operator_id, resource=resource, import_job=import_job,
                                      applicant_comment=applicant_comment, **values)
    application.proposed_units = units
    return resource_applications.file(application, actor=actor)


def submit_new_resource_application(*, operator: Operator, actor, values: ResourceValues, units: UnitValues = (),
                                    applicant_comment: str = "", import_job=None) -> ResourceApplication:
    """Apply for the registration of a new resource (with its member units) and submit it for review."""
    validate_resource(values, units)
    return _file_resource_application(kind=ApplicationKind.NEW, operator_id=operator.pk, actor=actor,
                                      values=_resource_values(values), units=units,
                                      applicant_comment=applicant_comment, import_job=import_job)


def submit_resource_change_application(*, resource: Resource, actor, values: ResourceValues,
                                       units: UnitValues = (), applicant_comment: str = "",
                                       import_job=None) -> ResourceApplication:
    """Apply for a change of a resource's information or units. Refused when nothing differs or another is open."""
    validate_resource(values, units, resource_id=resource.pk)
    with transaction.atomic():
        locked = resource_applications.lock_subject_for_application(resource)
        return _file_resource_application(
            kind=ApplicationKind.CHANGE, operator_id=locked.operator_id, actor=actor, resource=locked,
            values={**locked.info_values(), **_resource_values(values)}, units=units,
            applicant_comment=applicant_comment, import_job=import_job)


def import_resource_applications(*, operator: Operator, actor, items: Sequence[tuple], import_job,
                                 progress: Callable[[int], None] = lambda n: None) -> int:
    """Submit the applications of a validated CSV import, all or nothing (call inside a transaction).

    `items`: (resource or None, values, units, rows) per resource: None → a new application, a resource → a
    change application; `rows` is how many file rows the item covers (for `progress`). The caller has checked
    every rule and grid code in bulk (registration.resource_import); the database constraints still guard
    uniqueness, and any refusal rolls the whole import back."""
    done = 0
    try:
        with transaction.atomic():
            for resource, values, units, rows in items:
                if resource is None:
                    _file_resource_application(kind=ApplicationKind.NEW, operator_id=operator.pk, actor=actor,
                                               values=_resource_values(values), units=units, applicant_comment="",
                                               import_job=import_job)
                else:
                    locked = resource_applications.lock_subject_for_application(resource)
                    _file_resource_application(
                        kind=ApplicationKind.CHANGE, operator_id=locked.operator_id, actor=actor, resource=locked,
                        values={**locked.info_values(), **_resource_values(values)}, units=units,
                        applicant_comment="", import_job=import_job)
                done += rows
                progress(done)
    except (IntegrityError, ResourceInvalid) as exc:
        raise DomainError(_("A grid code in the file was registered or applied for meanwhile; nothing was "
                            "imported. Check the file again.")) from exc
    return len(items)


def submit_resource_deletion_application(*, resource: Resource, actor, reason: str = "") -> ResourceApplication:
    """Apply for deletion of a resource. The operator admin only; refused while anything holds the resource."""
    if not getattr(actor, "is_operator_admin", False) or actor.operator_id != resource.operator_id:
        raise review.NotAllowed(_("Only your operator's administrator may apply for deletion."))
    refusals = deletion_refusals(resource)
    if refusals:
        raise DomainError(" ".join(refusals))
    with transaction.atomic():
        locked = resource_applications.lock_subject_for_application(resource)
        return _file_resource_application(
            kind=ApplicationKind.DELETION, operator_id=locked.operator_id, actor=actor, resource=locked,
            values=locked.info_values(), units=_units_of(locked), applicant_comment=reason, import_job=None)
