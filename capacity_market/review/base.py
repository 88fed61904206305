"""The kit's model base: an application about one of an operator's records (its subject).

`subject_application(...)` makes the abstract base one application type subclasses. It carries, once for every
type: the subject foreign key (the master record the application is about; empty for a new one until approval),
the operator, the applicant's note, the CSV import it came from, and the database constraints every type needs
(at most one open application per subject, a change or deletion names its subject). The comparison rows of the
reviewer's and the applicant's side-by-side view are derived from the type's declared `INFO_FIELDS`.

    class ResourceApplication(ResourceInfo, review.subject_application(
            subject="registration.Resource", subject_field="resource", related_name="applications",
            operator_related_name="resource_applications")):
        class Meta(review.ApplicationMeta):
            ...

Status changes stay with the transition services of `workflow`; the apply step of an approval lives in the
type's `ApplicationType` (`capacity_market.review.types`).
"""

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import numbers
from .workflow import OPEN_STATUSES, ApplicationKind, ReviewedApplication, ReviewStatus

OPERATOR_MODEL = "tenants.Operator"


def display_value(obj: models.Model, field_name: str) -> str:
    """One field's value as a person reads it: choice labels, Yes/No, local times, related objects' names, kW and yen
    with thousands separators (`capacity_market.numbers`); "" when empty. The one formatting of a field shared by the operator pages, the comparison and the review admin."""
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field_name)
    if isinstance(field, ArrayField):
        labels = dict(field.base_field.choices or ())
        return ", ".join(str(labels.get(v, v)) for v in value or ())
    if field.is_relation:
        return "" if value is None else str(value)
    if field.choices:
        return str(getattr(obj, f"get_{field_name}_display")())
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if value is None:
        return ""
    if isinstance(field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if numbers.is_unit_field(field_name) and isinstance(field, (models.IntegerField, models.DecimalField)):
        return numbers.number(value)  # 50,000 as on every page (the label names the unit)
    return str(value)


class InfoFields(models.Model):
    """Mixin of the abstract field sets shared by a master record and its applications (OperatorInfo, …).

    A subclass names its fields in `INFO_FIELDS`: what an application proposes, what approval copies, what the
    comparison shows."""

    INFO_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def info_values(self) -> dict:
        return {f: getattr(self, f) for f in self.INFO_FIELDS}

    def display_value(self, field_name: str) -> str:
        return display_value(self, field_name)


def _normalised(value):
    return sorted(value) if isinstance(value, list) else value


def open_application_constraint(subject_field: str, scope: tuple[str, ...] = ()) -> models.UniqueConstraint:
    """At most one open application per subject (and scope, e.g. the auction). A new application whose subject
    does not exist yet (NULL) is not held by it: PostgreSQL treats NULLs as distinct."""
    return models.UniqueConstraint(
        fields=[subject_field, *scope], condition=models.Q(status__in=sorted(OPEN_STATUSES)),
        name="%(app_label)s_%(class)s_one_open_per_subject",
    )


def subject_application(*, subject: str, subject_field: str, related_name: str, verbose_name=None,
                        operator_related_name: str = "", scope: tuple[str, ...] = (), kinds: tuple[str, ...] = tuple(ApplicationKind.values),
                        subject_always: bool = False) -> type[ReviewedApplication]:
    """The abstract base of one application type about `subject` (an "app_label.Model" string).

    subject_field: the name of the subject foreign key ("resource"); when it is "operator" the subject is the
    operator itself and there is no second operator key. scope: further fields the one-open rule is per (the
    expected capacity's auction). kinds: the kinds the type allows (a check constraint). subject_always: the
    subject exists before the application (expected capacity is about an approved resource even when new)."""
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "subject_field": subject_field,
        subject_field: models.ForeignKey(
            subject, null=not subject_always, blank=not subject_always, on_delete=models.PROTECT,
            related_name=related_name, verbose_name=verbose_name,
        ),
        "applicant_comment": models.TextField(_("applicant's note"), max_length=1000, blank=True),
        "import_job": models.ForeignKey(
            "capacity_market.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
            verbose_name=_("CSV import"),
        ),
    }
    if subject_field != "operator":
        attrs["operator"] = models.ForeignKey(OPERATOR_MODEL, on_delete=models.PROTECT,
                                              related_name=operator_related_name, verbose_name=_("operator"))
    constraints = [open_application_constraint(subject_field, scope)]
    if not subject_always:
        constraints.append(models.CheckConstraint(
            condition=models.Q(kind=ApplicationKind.NEW) | models.Q(**{f"{subject_field}__isnull": False}),
            name="%(app_label)s_%(class)s_change_needs_subject",
        ))
    if set(kinds) != set(ApplicationKind.values):
        constraints.append(models.CheckConstraint(condition=models.Q(kind__in=list(kinds)),
                                                  name="%(app_label)s_%(class)s_kinds"))
    attrs["Meta"] = type("Meta", (), {"abstract": True, "constraints": constraints})
    attrs["allowed_kinds"] = tuple(kinds)
    return type(f"{subject_field.title()}SubjectApplication", (SubjectApplication,), attrs)


class SubjectApplication(ReviewedApplication):
    """What every application about a subject shares; made concrete through `subject_application(...)`."""

    subject_field: str = ""
    allowed_kinds: tuple[str, ...] = tuple(ApplicationKind.values)
    INFO_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    # --- the applicant side -------------------------------------------------------------------------------------
    def is_applicant(self, user) -> bool:
        """Any user of the operator; a deletion only its administrator (管理者)."""
        if not super().is_applicant(user):
            return False
        return self.kind != ApplicationKind.DELETION or bool(getattr(user, "is_operator_admin", False))

    def notice_recipients(self) -> list[tuple[str, str]]:
        """The submitter; no receipt per application of a CSV import (the import page is the receipt)."""
        if self.import_job_id is not None and self.status == ReviewStatus.SUBMITTED:
            return []
        return super().notice_recipients()

    @property
    def subject(self):
        return getattr(self, self.subject_field)

    @property
    def subject_id(self):
        return getattr(self, f"{self.subject_field}_id")

    # --- what the comparison compares with --------------------------------------------------------------------
    def current_record(self):
        """The record whose values a change replaces (default: the subject)."""
        return self.subject

    def changed_fields(self) -> list[str]:
        """The declared info fields this application would change (all of them for a new one)."""
        current = self.current_record()
        if current is None:
            return list(self.INFO_FIELDS)
        return [f for f in self.INFO_FIELDS
                if _normalised(getattr(self, f)) != _normalised(getattr(current, f))]

    def comparison_rows(self) -> list[tuple[str, Any, Any]]:
        """(label, current value, proposed value) for every declared info field of a change application, then the
        type's `extra_comparison_rows()` (e.g. a resource's member units)."""
        if self.kind != ApplicationKind.CHANGE:
            return []
        current = self.current_record()
        rows = [
            (str(self._meta.get_field(f).verbose_name),
             current.display_value(f) if current is not None else "", self.display_value(f))
            for f in self.INFO_FIELDS
        ]
        return rows + self.extra_comparison_rows(current)

    def extra_comparison_rows(self, current) -> list[tuple[str, Any, Any]]:
        return []

    def value_rows(self) -> list[tuple[str, str]]:
        """(label, value) of every declared info field, for the page of a new or deletion application."""
        return [(str(self._meta.get_field(f).verbose_name), self.display_value(f)) for f in self.INFO_FIELDS]

    def display_value(self, field_name: str) -> str:
        return display_value(self, field_name)

    @property
    def subject_label(self) -> str:
        """How the list names what the application is about (override; no query per row)."""
        return str(self.subject) if self.subject_id else ""
