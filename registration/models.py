"""事業者情報 (operators) and their use / change / deletion applications."""

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from capacity_market import numbers, review
from capacity_market.review import OPEN_STATUSES, ApplicationKind
from tenants.models import (  # noqa: F401 - re-exported
    AccountType,
    LicenceType,
    Operator,
    OperatorInfo,
    operator_code_validator,
)

from . import rules
from .choices import AGGREGATED_CATEGORIES, Area, FitStatus, GenerationType, ResourceCategory

OperatorApplicationBase = review.subject_application(
    subject="tenants.Operator", subject_field="operator", related_name="applications",
    verbose_name=_("operator"),
)


class OperatorApplication(OperatorInfo, OperatorApplicationBase):
    """An application about operator information: the use application (new), a change, or a deletion."""

    # The 事業者コード: entered by the use applicant (the business holds it before applying; the operator is
    # created with it on approval); a change or deletion carries its operator's code, which it cannot change.
    code = models.CharField(_("operator code"), max_length=10, blank=True, validators=[operator_code_validator])
    applicant_email = models.EmailField(_("applicant e-mail"), blank=True)
    applicant_language = models.CharField(_("applicant language"), max_length=10, choices=settings.LANGUAGES,
                                          default="ja")
    terms_version = models.ForeignKey(
        "accounts.TermsVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("accepted terms version"),
    )
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # The administrator ID requested by a use application (issued on approval, 利用規約 3.2).
    admin_login_id = models.CharField(_("requested administrator login ID"), max_length=50, blank=True)
    admin_full_name = models.CharField(_("administrator full name"), max_length=100, blank=True)
    admin_full_name_kana = models.CharField(_("administrator full name (kana)"), max_length=100, blank=True)

    class Meta(OperatorApplicationBase.Meta):
        verbose_name = _("operator application")
        verbose_name_plural = _("operator applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "kind"])]
        constraints = [
            *OperatorApplicationBase.Meta.constraints,
            # A requested admin login ID is held by at most one open use application.
            models.UniqueConstraint(
                Lower("admin_login_id"),
                condition=models.Q(kind=ApplicationKind.NEW) & models.Q(status__in=sorted(OPEN_STATUSES))
                & ~models.Q(admin_login_id=""),
                name="one_open_use_application_per_admin_login_id",
            ),
            # An operator code is held by at most one open use application (the operators' own codes are unique
            # too: on approval the second of two applications with one code is refused).
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(kind=ApplicationKind.NEW) & models.Q(status__in=sorted(OPEN_STATUSES))
                & ~models.Q(code=""),
                name="one_open_use_application_per_operator_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}: {self.name}"

    number_prefix = "OA"

    # --- review-workflow hooks -------------------------------------------------------------------------------
    def is_submitter(self, user) -> bool:
        """A use application has no submitting user: its applicant is the address it was sent from. A reviewer
        whose e-mail address is the applicant's submitted it (and may not decide it)."""
        if super().is_submitter(user):
            return True
        email = (getattr(user, "email", "") or "").strip().casefold()
        return bool(email) and self.kind == ApplicationKind.NEW and email == (self.applicant_email or "").casefold()

    def is_applicant(self, user) -> bool:
        """A use application is submitted before the applicant has any ID: only the anonymous applicant acts on it
        (through the public form or the e-mailed correction link), never a logged-in user of any kind.
        Change applications belong to the operator's users; deletion to its admin only."""
        if self.kind == ApplicationKind.NEW:
            return self.operator_id is None and not getattr(user, "is_authenticated", False)
        return super().is_applicant(user)

    def notice_recipients(self) -> list[tuple[str, str]]:
        """Who hears of each status change by the kit's notice (which tells them to log in): the submitter and the
        operator's admin of a change or deletion. Nobody for a use application: its applicant has no ID yet, and
        the type sends them mails of their own (registration/email/: the receipt, the correction link, the
        rejection; on approval the admin-ID mail with its set-password link)."""
        if self.kind == ApplicationKind.NEW:
            return []
        from accounts.models import User

        recipients: list[tuple[str, str]] = []
        people = []
        if self.submitted_by is not None:
            people.append(self.submitted_by)
        people.extend(
            User.objects.filter(operator_id=self.operator_id, operator_role=User.OperatorRole.ADMIN)
        )
        for person in people:
            pair = (person.email, person.language)
            if person.email and pair not in recipients:
                recipients.append(pair)
        return recipients

    @property
    def subject_label(self) -> str:
        return self.name


# --- 電源等情報 (resources) ------------------------------------------------------------------------------------
GRID_CODE_LENGTH = 22
grid_code_validator = RegexValidator(
    rf"^\d{{{GRID_CODE_LENGTH}}}$",
    _("A grid code is exactly 22 half-width digits."),
    code="grid_code_format",
)


class ResourceInfo(review.InfoFields):
    """The resource-information fields of domain.md §1, shared by the master record and its applications."""

    grid_code = models.CharField(_("grid code"), max_length=GRID_CODE_LENGTH, validators=[grid_code_validator])
    name = models.CharField(_("resource name"), max_length=200)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    generation_type = models.CharField(_("generation type"), max_length=20, choices=GenerationType.choices)
    installed_kw = models.PositiveIntegerField(_("installed capacity (kW)"))
    commissioning_date = models.DateField(_("commissioning date"), validators=[rules.validate_commissioning_date])
    can_adjust_output = models.BooleanField(_("can adjust output"), default=False)
    fit_status = models.CharField(_("FIT/FIP status"), max_length=10, choices=FitStatus.choices,
                                  default=FitStatus.NONE)
    support_end_date = models.DateField(_("FIT/FIP support end date"), null=True, blank=True)
    continuous_output_hours = models.DecimalField(
        _("continuous output hours"), max_digits=5, decimal_places=1, null=True, blank=True,
        validators=[rules.validate_continuous_output_hours],
        help_text=_("Batteries and pumped storage registered as stable resources: at least 3 hours."),
    )
    owner_name = models.CharField(
        _("owner (when bidding another company's resource)"), max_length=200, blank=True,
    )

    INFO_FIELDS = (
        "grid_code", "name", "area", "category", "generation_type", "installed_kw", "commissioning_date",
        "can_adjust_output", "fit_status", "support_end_date", "continuous_output_hours", "owner_name",
    )

    class Meta:
        abstract = True

    @property
    def is_aggregated(self) -> bool:
        return self.category in AGGREGATED_CATEGORIES


def resource_info_constraints(prefix: str) -> list[models.CheckConstraint]:
    """The DB's own bounds on the ResourceInfo fields (the same as rules'), for each concrete model."""
    return [
        models.CheckConstraint(
            condition=models.Q(continuous_output_hours__isnull=True)
            | models.Q(continuous_output_hours__gte=rules.MIN_CONTINUOUS_OUTPUT_HOURS,
                       continuous_output_hours__lte=rules.MAX_CONTINUOUS_OUTPUT_HOURS),
            name=f"{prefix}_continuous_output_hours_range",
        ),
        models.CheckConstraint(
            condition=models.Q(commissioning_date__gte=rules.MIN_COMMISSIONING_DATE,
                               commissioning_date__lte=rules.MAX_COMMISSIONING_DATE),
            name=f"{prefix}_commissioning_date_range",
        ),
    ]


class ResourceUnitInfo(models.Model):
    """A member unit of an aggregated resource (its own grid code, location area, type and kW)."""

    grid_code = models.CharField(_("grid code"), max_length=GRID_CODE_LENGTH, validators=[grid_code_validator])
    area = models.CharField(_("location area"), max_length=20, choices=Area.choices)
    generation_type = models.CharField(_("generation type"), max_length=20, choices=GenerationType.choices)
    installed_kw = models.PositiveIntegerField(_("installed capacity (kW)"))

    UNIT_FIELDS = ("grid_code", "area", "generation_type", "installed_kw")

    class Meta:
        abstract = True

    def unit_values(self) -> dict:
        return {f: getattr(self, f) for f in self.UNIT_FIELDS}

    def unit_display(self) -> str:
        return f"{self.grid_code} {self.get_area_display()} {self.get_generation_type_display()} {numbers.kw(self.installed_kw)}"


class Resource(ResourceInfo):
    """A registered resource (電源等), changed only by approved applications."""

    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, related_name="resources", verbose_name=_("operator"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["grid_code"]
        indexes = [models.Index(fields=["operator", "is_active", "area", "category"])]
        constraints = [
            # A grid code names one active resource; a deleted resource's code may be registered again.
            models.UniqueConstraint(fields=["grid_code"], condition=models.Q(is_active=True),
                                    name="one_active_resource_per_grid_code"),
            *resource_info_constraints("resource"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_code} {self.name}"

    @property
    def number(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-"


class ResourceUnit(ResourceUnitInfo):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="units",
                                 verbose_name=_("resource"))

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["grid_code"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "grid_code"], name="resource_unit_unique_grid_code"),
        ]

    def __str__(self) -> str:
        return self.unit_display()


ResourceApplicationBase = review.subject_application(
    subject="registration.Resource", subject_field="resource", related_name="applications",
    verbose_name=_("resource"), operator_related_name="resource_applications",
)


class ResourceApplication(ResourceInfo, ResourceApplicationBase):
    """An application about a resource: new registration, change or deletion (電源等情報の登録・変更・削除)."""

    class Meta(ResourceApplicationBase.Meta):
        verbose_name = _("resource application")
        verbose_name_plural = _("resource applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["operator", "status", "kind"])]
        constraints = [
            *ResourceApplicationBase.Meta.constraints,
            # A grid code is proposed by at most one open new-resource application.
            models.UniqueConstraint(
                fields=["grid_code"],
                condition=models.Q(kind=ApplicationKind.NEW) & models.Q(status__in=sorted(OPEN_STATUSES)),
                name="one_open_new_resource_application_per_grid_code",
            ),
            *resource_info_constraints("resource_application"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}: {self.grid_code} {self.name}"

    number_prefix = "RA"

    def extra_comparison_rows(self, current) -> list[tuple[str, Any, Any]]:
        """The member-unit list, one unit per line."""
        return [(
            str(_("member units")),
            "\n".join(u.unit_display() for u in current.units.all()) if current is not None else "",
            "\n".join(u.unit_display() for u in self.units.all()),
        )]

    @property
    def subject_label(self) -> str:
        return f"{self.grid_code} {self.name}"


class ResourceApplicationUnit(ResourceUnitInfo):
    application = models.ForeignKey(ResourceApplication, on_delete=models.CASCADE, related_name="units",
                                    verbose_name=_("application"))

    class Meta:
        verbose_name = _("proposed member unit")
        verbose_name_plural = _("proposed member units")
        ordering = ["grid_code"]
        constraints = [
            models.UniqueConstraint(fields=["application", "grid_code"],
                                    name="resource_application_unit_unique_grid_code"),
        ]

    def __str__(self) -> str:
        return self.unit_display()
