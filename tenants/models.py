"""事業者 (operators): the tenant record and the operator-information fields of domain.md §1."""

import re
import unicodedata

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from capacity_market import review

# 事業者コード: issued to the business outside this system (OCCTO's prerequisite procedure) before it applies, and
# entered in the use application. "事業者名を示すための5桁のコード" (the code-setting procedure of the 託送 plans);
# the character set is not published: **decision** (docs/extending.md, "The operator code"): five half-width
# capital letters or digits, entered in any width or case and stored upper-case.
OPERATOR_CODE_LENGTH = 5
OPERATOR_CODE_RE = re.compile(rf"^[0-9A-Z]{{{OPERATOR_CODE_LENGTH}}}$")
operator_code_validator = RegexValidator(
    OPERATOR_CODE_RE,
    _("An operator code is exactly 5 half-width capital letters or digits (e.g. A1234)."),
    code="operator_code_format",
)


def normalise_operator_code(value: str) -> str:
    """Full-width to half-width (NFKC), spaces and hyphens dropped, upper case: what is compared and stored."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or "")).upper()


class LicenceType(models.TextChoices):
    GENERATION = "generation", _("Power generation business (発電事業者)")
    RETAIL = "retail", _("Retail electricity business (小売電気事業者)")
    SPECIFIED_WHOLESALE = "specified_wholesale", _("Specified wholesale supply business (特定卸供給事業者)")
    NEGAWATT = "negawatt", _("Negawatt business (ネガワット事業者)")
    TRANSMISSION = "transmission", _("Transmission and distribution business (一般送配電事業者)")
    OTHER = "other", _("Other")


class AccountType(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary (普通)")
    CURRENT = "current", _("Current (当座)")


class OperatorInfo(review.InfoFields):
    """The operator-information fields of domain.md §1, shared by the master record and its applications."""

    name = models.CharField(_("legal name"), max_length=200)
    name_kana = models.CharField(_("legal name (kana)"), max_length=200)
    head_office_address = models.CharField(_("head-office address"), max_length=300)
    representative = models.CharField(_("representative"), max_length=100)
    licence_types = ArrayField(
        models.CharField(max_length=30, choices=LicenceType.choices), verbose_name=_("licences held"), default=list
    )
    is_electricity_supplier = models.BooleanField(_("is an electricity supplier (電気供給事業者)"), default=False)
    is_domestic_corporation = models.BooleanField(_("is a domestic corporation"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    bank_name = models.CharField(_("bank"), max_length=100)
    bank_branch = models.CharField(_("branch"), max_length=100)
    account_type = models.CharField(_("account type"), max_length=10, choices=AccountType.choices)
    account_number = models.CharField(_("account number"), max_length=7)
    account_holder_kana = models.CharField(_("account holder (kana)"), max_length=100)

    INFO_FIELDS = (
        "name", "name_kana", "head_office_address", "representative", "licence_types",
        "is_electricity_supplier", "is_domestic_corporation", "contact_name", "contact_email", "contact_phone",
        "bank_name", "bank_branch", "account_type", "account_number", "account_holder_kana",
    )

    class Meta:
        abstract = True


class Operator(OperatorInfo):
    """An electricity business using the system (事業者)."""

    code = models.CharField(_("operator code"), max_length=10, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
