"""Operator-information services (writes): the use application, change and deletion applications, decisions.

Keyword-only, atomic and audited. They wrap the review-workflow transitions of `capacity_market.review` and
add the domain effect explicitly: approving a use application creates the operator and issues its one admin
ID; approving a change copies the values; approving a deletion deactivates the operator and its users, unless
an operator deletion guard (`register_operator_deletion_guard`) refuses.
"""

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts import services as account_services
from accounts.models import TermsVersion, User
from accounts.selectors import login_id_taken
from capacity_market import audit, hooks, review
from capacity_market.errors import DomainError
from capacity_market.review import ApplicationKind, ReviewStatus

from . import rules, tasks
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
)

OPERATOR_CODE_PREFIX = "C"
_CODE_LOCK_KEY = 0x43_4D_4F_43  # "CMOC": serialises operator-code assignment
RESUBMIT_SALT = "registration.use_application.resubmit"


class OpenApplicationExists(DomainError):
    pass


TERMS_REVISED_MESSAGE = _("The terms of use were revised while you were filling in the form. Read the current "
                          "terms below and accept them again.")


class TermsRevised(DomainError):
    """The terms version the applicant read and accepted is no longer the one in force."""

    def __init__(self):
        super().__init__(TERMS_REVISED_MESSAGE)


def _info_only(values: Mapping) -> dict:
    return {f: values[f] for f in OperatorInfo.INFO_FIELDS if f in values}


def _one_open_application_guard():
    return OpenApplicationExists(
        _("Your operator already has an open change or deletion application. Withdraw it or wait for its "
          "decision before applying again.")
    )


# --- the use application (利用申請) ------------------------------------------------------------------------
def submit_use_application(*, values: Mapping, language: str,
                           terms_version: TermsVersion | None) -> OperatorApplication:
    """Create and submit a use application from an anonymous applicant (利用規約 2.1).

    `values`: cleaned operator information plus applicant_email, admin_login_id, admin_full_name,
    admin_full_name_kana. `terms_version`: the version the applicant was shown and accepted; it is recorded as
    accepted now, and only if it is still the version in force (TermsRevised otherwise, nothing stored). A
    receipt is e-mailed to the applicant on commit. Raises DomainError if there are no terms in force or the
    login ID is already held.
    """
    terms = TermsVersion.current()
    if terms is None:
        raise DomainError(_("No terms of use are in force; applications cannot be accepted now."))
    if terms_version is None or terms_version.pk != terms.pk:
        raise TermsRevised()
    try:
        with transaction.atomic():
            application = OperatorApplication.objects.create(
                kind=ApplicationKind.NEW,
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
                                "admin_login_id": application.admin_login_id})
            review.submit(application=application, actor=None, expected_version=application.version)
            # robust: the application is committed; a mail relay failing must not turn it into an error page.
            transaction.on_commit(lambda: tasks.send_use_application_receipt.delay(application.pk), robust=True)
    except IntegrityError as exc:
        raise DomainError(_("This login ID is already taken; choose another.")) from exc
    return application


def send_use_application_receipt(*, application_id: int) -> None:
    """E-mail the applicant that the use application was received, with its number."""
    application = OperatorApplication.objects.get(pk=application_id)
    with translation.override(application.applicant_language):
        context = {"application": application, "site_url": settings.SITE_URL}
        subject = render_to_string("registration/email/receipt_subject.txt", context).strip()
        body = render_to_string("registration/email/receipt_body.txt", context)
    send_mail(subject, body, None, [application.applicant_email])


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
    """Correct and resubmit a returned use application (reached through the e-mailed token link)."""

    def apply(locked):
        for field, value in _info_only(values).items():
            setattr(locked, field, value)
        locked.save()

    return review.submit(application=application, actor=None, expected_version=expected_version, effect=apply)


def send_resubmit_link(*, application_id: int) -> None:
    """E-mail the applicant of a returned use application the link to correct and resubmit it."""
    application = OperatorApplication.objects.get(pk=application_id)
    with translation.override(application.applicant_language):
        url = settings.SITE_URL.rstrip("/") + reverse(
            "registration:use_application_resubmit", kwargs={"token": resubmit_token(application)}
        )
        context = {"application": application, "url": url}
        subject = render_to_string("registration/email/resubmit_subject.txt", context).strip()
        body = render_to_string("registration/email/resubmit_body.txt", context)
    send_mail(subject, body, None, [application.applicant_email])


# --- decisions (called by the review-queue admin) ---------------------------------------------------------
def next_operator_code() -> str:
    """The next 事業者コード ("C" + 5 digits). Call inside a transaction: an advisory lock serialises it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CODE_LOCK_KEY])
        cursor.execute(
            "SELECT COALESCE(MAX(CAST(SUBSTRING(code FROM 2) AS integer)), 0) FROM registration_operator "
            "WHERE code ~ %s",
            [f"^{OPERATOR_CODE_PREFIX}[0-9]{{5}}$"],
        )
        (last,) = cursor.fetchone()
    if last >= 99999:
        raise DomainError(_("Operator codes are exhausted."))
    return f"{OPERATOR_CODE_PREFIX}{last + 1:05d}"


def _create_operator(application: OperatorApplication, actor) -> None:
    if application.operator_id is not None:
        raise DomainError(_("An operator was already created from this application."))
    if login_id_taken(application.admin_login_id, exclude_application=application):
        raise DomainError(_("The requested login ID %(login_id)s is already in use; return the application so "
                            "the applicant can choose another.") % {"login_id": application.admin_login_id})
    operator = Operator.objects.create(code=next_operator_code(), **application.info_values())
    application.operator = operator
    application.save(update_fields=["operator"])
    audit.record(action="registration.operator_created", actor=actor, operator_id=operator.pk, target=operator,
                 after={"code": operator.code, **application.info_values()})
    user = account_services.issue_admin_id(
        operator=operator, login_id=application.admin_login_id, full_name=application.admin_full_name,
        email=application.applicant_email, language=application.applicant_language, actor=actor,
    )
    if application.admin_full_name_kana:
        user.full_name_kana = application.admin_full_name_kana
        user.save(update_fields=["full_name_kana"])


def _apply_change(application: OperatorApplication, actor) -> None:
    operator = Operator.objects.select_for_update().get(pk=application.operator_id)
    if not operator.is_active:
        raise DomainError(_("This operator has been deleted; its information can no longer change."))
    before = operator.info_values()
    for field, value in application.info_values().items():
        setattr(operator, field, value)
    operator.save()
    audit.record(action="registration.operator_changed", actor=actor, operator_id=operator.pk, target=operator,
                 before=before, after=operator.info_values())


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


def _apply_deletion(application: OperatorApplication, actor) -> None:
    operator = Operator.objects.select_for_update().get(pk=application.operator_id)
    if not operator.is_active:
        raise DomainError(_("This operator has already been deleted."))
    refusals = operator_deletion_refusals(operator)
    if refusals:
        raise DomainError(" ".join(refusals))
    now = timezone.now()
    operator.is_active = False
    operator.deleted_at = now
    operator.save(update_fields=["is_active", "deleted_at", "updated_at"])
    user_ids = list(User.objects.filter(operator=operator, is_active=True).values_list("pk", flat=True))
    User.objects.filter(pk__in=user_ids).update(is_active=False, deactivated_at=now)
    audit.record(action="registration.operator_deleted", actor=actor, operator_id=operator.pk, target=operator,
                 before={"is_active": True}, after={"is_active": False, "deactivated_user_ids": user_ids})


def approve_operator_application(*, application: OperatorApplication, actor, expected_version: int | None,
                                 comment: str = "") -> OperatorApplication:
    """Approve an operator application and apply it in the same transaction.

    new: create the operator (next 事業者コード) and issue its one admin ID (set-password link e-mailed to the
    applicant on commit); change: copy the values to the operator; deletion: deactivate the operator and its
    users (records kept). Stale versions, a reviewer deciding their own submission, a second admin ID for the
    same operator (AdminIdIssuance one-to-one) all refuse with nothing changed.
    """

    def effect(locked: OperatorApplication) -> None:
        if locked.kind == ApplicationKind.NEW:
            _create_operator(locked, actor)
        elif locked.kind == ApplicationKind.CHANGE:
            _apply_change(locked, actor)
        else:
            _apply_deletion(locked, actor)

    try:
        with transaction.atomic():
            return review.approve(application=application, actor=actor, comment=comment,
                                  expected_version=expected_version, effect=effect)
    except IntegrityError as exc:
        raise DomainError(_("The operator or its administrator ID could not be created because one already "
                            "exists; nothing was changed.")) from exc


def send_back_operator_application(*, application: OperatorApplication, actor, comment: str,
                                   expected_version: int | None) -> OperatorApplication:
    """Return an application with a comment. A returned use application's applicant gets a correction link."""
    with transaction.atomic():
        result = review.send_back(application=application, actor=actor, comment=comment,
                                  expected_version=expected_version)
        if result.kind == ApplicationKind.NEW and result.applicant_email:
            transaction.on_commit(lambda: tasks.send_resubmit_link.delay(result.pk), robust=True)
    return result


# --- change and deletion applications (事業者情報管理機能) -----------------------------------------------------
def _lock_operator_for_application(operator: Operator) -> Operator:
    locked = Operator.objects.select_for_update().get(pk=operator.pk)
    if not locked.is_active:
        raise DomainError(_("This operator has been deleted."))
    if OperatorApplication.objects.filter(
        operator=locked, kind__in=[ApplicationKind.CHANGE, ApplicationKind.DELETION], status__in=review.OPEN_STATUSES
    ).exists():
        raise _one_open_application_guard()
    return locked


def submit_change_application(*, operator: Operator, actor, values: Mapping) -> OperatorApplication:
    """Apply for a change of operator information. Refused when nothing differs or another is open."""
    try:
        with transaction.atomic():
            locked = _lock_operator_for_application(operator)
            application = OperatorApplication(
                kind=ApplicationKind.CHANGE, operator=locked, applicant_comment=values.get("applicant_comment", ""),
                applicant_language=actor.language, **_info_only(values),
            )
            if not application.changed_fields():
                raise DomainError(_("Nothing differs from the current information; there is nothing to apply for."))
            application.save()
            review.submit(application=application, actor=actor, expected_version=application.version)
    except IntegrityError as exc:
        raise _one_open_application_guard() from exc
    return application


def submit_deletion_application(*, operator: Operator, actor, reason: str = "") -> OperatorApplication:
    """Apply for deletion of the operator's registration. The operator admin only; refused while a registered
    operator deletion guard holds the operator (checked again at approval)."""
    if not getattr(actor, "is_operator_admin", False) or actor.operator_id != operator.pk:
        raise review.NotAllowed(_("Only your operator's administrator may apply for deletion."))
    refusals = operator_deletion_refusals(operator)
    if refusals:
        raise DomainError(" ".join(refusals))
    try:
        with transaction.atomic():
            locked = _lock_operator_for_application(operator)
            application = OperatorApplication.objects.create(
                kind=ApplicationKind.DELETION, operator=locked, applicant_comment=reason,
                applicant_language=actor.language, **locked.info_values(),
            )
            review.submit(application=application, actor=actor, expected_version=application.version)
    except IntegrityError as exc:
        raise _one_open_application_guard() from exc
    return application


def resubmit_application(*, application: OperatorApplication, actor, values: Mapping,
                         expected_version: int | None) -> OperatorApplication:
    """Correct and resubmit a returned change or deletion application."""

    def apply(locked: OperatorApplication) -> None:
        if locked.kind == ApplicationKind.CHANGE:
            for field, value in _info_only(values).items():
                setattr(locked, field, value)
            if not locked.changed_fields():
                raise DomainError(_("Nothing differs from the current information; there is nothing to apply "
                                    "for."))
        if "applicant_comment" in values:
            locked.applicant_comment = values["applicant_comment"]
        locked.save()

    return review.submit(application=application, actor=actor, expected_version=expected_version, effect=apply)


def withdraw_application(*, application: OperatorApplication, actor,
                         expected_version: int | None) -> OperatorApplication:
    """Withdraw (取下げ) an open change or deletion application before its decision."""
    return review.withdraw(application=application, actor=actor, expected_version=expected_version)


# --- resources (電源等情報管理機能) ----------------------------------------------------------------------------
ResourceValues = Mapping
UnitValues = Sequence[Mapping]
DeletionGuard = Callable[[Resource], "str | None"]
_deletion_guards: list[DeletionGuard] = []


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


def _one_open_resource_application_guard():
    return OpenApplicationExists(
        _("This resource already has an open change or deletion application. Withdraw it or wait for its "
          "decision before applying again.")
    )


def _lock_resource_for_application(resource: Resource) -> Resource:
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    if not locked.is_active:
        raise DomainError(_("This resource has been deleted."))
    if ResourceApplication.objects.filter(
        resource=locked, kind__in=[ApplicationKind.CHANGE, ApplicationKind.DELETION], status__in=review.OPEN_STATUSES
    ).exists():
        raise _one_open_resource_application_guard()
    return locked


def _save_units(application: ResourceApplication, units: UnitValues, *, fresh: bool = False) -> None:
    if not fresh:
        application.units.all().delete()
    if units:
        ResourceApplicationUnit.objects.bulk_create(
            [ResourceApplicationUnit(application=application, **u) for u in _unit_values(units)]
        )


def _create_new_application(*, operator: Operator, actor, values: Mapping, units: UnitValues,
                            applicant_comment: str, import_job) -> ResourceApplication:
    application = ResourceApplication.objects.create(
        kind=ApplicationKind.NEW, operator=operator, applicant_comment=applicant_comment,
        import_job=import_job, **_resource_values(values),
    )
    _save_units(application, units, fresh=True)
    review.submit(application=application, actor=actor, expected_version=application.version)
    return application


def submit_new_resource_application(*, operator: Operator, actor, values: ResourceValues, units: UnitValues = (),
                                    applicant_comment: str = "", import_job=None) -> ResourceApplication:
    """Apply for the registration of a new resource (with its member units) and submit it for review."""
    validate_resource(values, units)
    try:
        with transaction.atomic():
            return _create_new_application(operator=operator, actor=actor, values=values, units=units,
                                           applicant_comment=applicant_comment, import_job=import_job)
    except IntegrityError as exc:
        raise ResourceInvalid([("grid_code", str(_("This grid code is already registered or applied for.")))]) \
            from exc


def resource_changed(resource: Resource, values: Mapping, units: UnitValues) -> bool:
    """Whether `values`/`units` differ from the resource's current information."""
    current_units = sorted((u.unit_values() for u in resource.units.all()), key=lambda u: u["grid_code"])
    proposed_units = sorted(_unit_values(units), key=lambda u: u["grid_code"])
    return resource.info_values() != {**resource.info_values(), **_resource_values(values)} or \
        current_units != proposed_units


def _create_change_application(*, resource: Resource, actor, values: Mapping, units: UnitValues,
                               applicant_comment: str, import_job) -> ResourceApplication:
    locked = _lock_resource_for_application(resource)
    if not resource_changed(locked, values, units):
        raise DomainError(_("Nothing differs from the current information; there is nothing to apply for."))
    application = ResourceApplication.objects.create(
        kind=ApplicationKind.CHANGE, operator_id=locked.operator_id, resource=locked,
        applicant_comment=applicant_comment, import_job=import_job,
        **{**locked.info_values(), **_resource_values(values)},
    )
    _save_units(application, units, fresh=True)
    review.submit(application=application, actor=actor, expected_version=application.version)
    return application


def submit_resource_change_application(*, resource: Resource, actor, values: ResourceValues,
                                       units: UnitValues = (), applicant_comment: str = "",
                                       import_job=None) -> ResourceApplication:
    """Apply for a change of a resource's information or units. Refused when nothing differs or another is open."""
    validate_resource(values, units, resource_id=resource.pk)
    try:
        with transaction.atomic():
            return _create_change_application(resource=resource, actor=actor, values=values, units=units,
                                              applicant_comment=applicant_comment, import_job=import_job)
    except IntegrityError as exc:
        raise _one_open_resource_application_guard() from exc


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
                    _create_new_application(operator=operator, actor=actor, values=values, units=units,
                                            applicant_comment="", import_job=import_job)
                else:
                    _create_change_application(resource=resource, actor=actor, values=values, units=units,
                                               applicant_comment="", import_job=import_job)
                done += rows
                progress(done)
    except IntegrityError as exc:
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
    try:
        with transaction.atomic():
            locked = _lock_resource_for_application(resource)
            application = ResourceApplication.objects.create(
                kind=ApplicationKind.DELETION, operator_id=locked.operator_id, resource=locked,
                applicant_comment=reason, **locked.info_values(),
            )
            _save_units(application, [u.unit_values() for u in locked.units.all()])
            review.submit(application=application, actor=actor, expected_version=application.version)
    except IntegrityError as exc:
        raise _one_open_resource_application_guard() from exc
    return application


def resubmit_resource_application(*, application: ResourceApplication, actor, values: Mapping,
                                  units: UnitValues | None = None,
                                  expected_version: int | None) -> ResourceApplication:
    """Correct and resubmit a returned resource application (a deletion only takes a new note)."""

    def apply(locked: ResourceApplication) -> None:
        if locked.kind != ApplicationKind.DELETION:
            proposed_units = units if units is not None else [u.unit_values() for u in locked.units.all()]
            validate_resource(values, proposed_units, resource_id=locked.resource_id, application_id=locked.pk)
            if locked.kind == ApplicationKind.CHANGE and not resource_changed(locked.resource, values,
                                                                              proposed_units):
                raise DomainError(_("Nothing differs from the current information; there is nothing to apply "
                                    "for."))
            for field, value in _resource_values(values).items():
                setattr(locked, field, value)
            _save_units(locked, proposed_units)
        if "applicant_comment" in values:
            locked.applicant_comment = values["applicant_comment"]
        locked.save()

    try:
        with transaction.atomic():
            return review.submit(application=application, actor=actor, expected_version=expected_version,
                                 effect=apply)
    except IntegrityError as exc:
        raise ResourceInvalid([("grid_code", str(_("This grid code is already registered or applied for.")))]) \
            from exc


def withdraw_resource_application(*, application: ResourceApplication, actor,
                                  expected_version: int | None) -> ResourceApplication:
    """Withdraw (取下げ) an open resource application before its decision."""
    return review.withdraw(application=application, actor=actor, expected_version=expected_version)


def _write_units(resource: Resource, application: ResourceApplication) -> None:
    resource.units.all().delete()
    ResourceUnit.objects.bulk_create(
        [ResourceUnit(resource=resource, **u.unit_values()) for u in application.units.all()]
    )


def _apply_resource(application: ResourceApplication, actor) -> None:
    units = [u.unit_values() for u in application.units.all()]
    if application.kind == ApplicationKind.NEW:
        validate_resource(application.info_values(), units, application_id=application.pk)
        resource = Resource.objects.create(operator_id=application.operator_id, **application.info_values())
        _write_units(resource, application)
        application.resource = resource
        application.save(update_fields=["resource"])
        audit.record(action="registration.resource_created", actor=actor, operator_id=resource.operator_id,
                     target=resource, after={**resource.info_values(), "units": units})
        return
    resource = Resource.objects.select_for_update().get(pk=application.resource_id)
    if not resource.is_active:
        raise DomainError(_("This resource has already been deleted."))
    before = {**resource.info_values(), "units": [u.unit_values() for u in resource.units.all()]}
    if application.kind == ApplicationKind.CHANGE:
        validate_resource(application.info_values(), units, resource_id=resource.pk, application_id=application.pk)
        for field, value in application.info_values().items():
            setattr(resource, field, value)
        resource.save()
        _write_units(resource, application)
        audit.record(action="registration.resource_changed", actor=actor, operator_id=resource.operator_id,
                     target=resource, before=before, after={**resource.info_values(), "units": units})
    else:
        refusals = deletion_refusals(resource)
        if refusals:
            raise DomainError(" ".join(refusals))
        resource.is_active = False
        resource.deleted_at = timezone.now()
        resource.save(update_fields=["is_active", "deleted_at", "updated_at"])
        audit.record(action="registration.resource_deleted", actor=actor, operator_id=resource.operator_id,
                     target=resource, before={"is_active": True}, after={"is_active": False})


def approve_resource_application(*, application: ResourceApplication, actor, expected_version: int | None,
                                 comment: str = "") -> ResourceApplication:
    """Approve a resource application and apply it to the master record and its units in the same transaction.

    new: create the resource; change: copy the values and replace the units; deletion: deactivate the resource
    (kept for history) unless a deletion guard refuses. The rules are checked again at approval, so a grid
    code taken meanwhile refuses with nothing changed."""
    try:
        with transaction.atomic():
            return review.approve(application=application, actor=actor, comment=comment,
                                  expected_version=expected_version,
                                  effect=lambda locked: _apply_resource(locked, actor))
    except IntegrityError as exc:
        raise DomainError(_("This grid code is already registered; nothing was changed.")) from exc
