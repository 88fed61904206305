"""Forms of operator information: they validate and normalise only (never status, operator or review fields)."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import TermsVersion, login_id_validator
from accounts.selectors import login_id_taken
from capacity_market import numbers
from tenants.models import normalise_operator_code

from . import rules, selectors
from .choices import Area, GenerationType, ResourceCategory
from .models import (
    LicenceType,
    OperatorApplication,
    OperatorInfo,
    ResourceApplication,
    ResourceInfo,
    operator_code_validator,
)
from .services import OPERATOR_CODE_TAKEN, TERMS_REVISED_MESSAGE

MAX_INSTALLED_KW = 2**31 - 1  # the column's range


def limit_installed_kw(field: forms.IntegerField) -> None:
    """The column's upper bound on an installed-capacity input, refused with the figure as pages show it
    (「2,147,483,647 kW」), before the model's own range check would print it bare."""
    field.max_value = MAX_INSTALLED_KW
    field.widget.attrs["max"] = str(MAX_INSTALLED_KW)
    field.validators.append(MaxValueValidator(MAX_INSTALLED_KW, message=_(
        "The installed capacity can be at most %(max)s kW.") % {"max": numbers.number(MAX_INSTALLED_KW)}))

# Full-width katakana (after NFKC, half-width katakana become full-width), the long-vowel mark, the middle dot,
# spaces, and what bank account holder names may also hold (digits, capital letters, a few symbols). At least
# one katakana character is required.
KATAKANA_RE = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB\u30FD\u30FE0-9A-Z ()（）.,\-/]+$")
KATAKANA_CHAR_RE = re.compile(r"[\u30A1-\u30FA]")
PHONE_RE = re.compile(r"^\+?[0-9]+(?:-[0-9]+)*$")
ACCOUNT_NUMBER_RE = re.compile(r"^[0-9]{7}$")

KATAKANA_FIELDS = ("name_kana", "account_holder_kana")


def normalise_text(value: str) -> str:
    """NFKC (full-width digits and letters to ASCII, half-width kana to full-width) and trimmed spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value or "")).strip()


def clean_katakana(value: str) -> str:
    value = normalise_text(value)
    if value and not (KATAKANA_RE.match(value) and KATAKANA_CHAR_RE.search(value)):
        raise ValidationError(_("Enter this in katakana (e.g. カブシキガイシャ)."), code="katakana")
    return value


def clean_phone(value: str) -> str:
    value = normalise_text(value).replace(" ", "-").replace("ー", "-")
    digits = re.sub(r"[^0-9]", "", value)
    if not PHONE_RE.match(value) or not 10 <= len(digits) <= 13:
        raise ValidationError(
            _("Enter a phone number of 10 to 13 digits, optionally with hyphens (e.g. 03-1234-5678)."),
            code="phone",
        )
    return value


class OperatorInfoForm(forms.ModelForm):
    """Every operator-information field of domain.md §1, normalised."""

    licence_types = forms.MultipleChoiceField(
        label=_("licences held"), choices=LicenceType.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one licence.")},
    )

    class Meta:
        model = OperatorApplication
        fields = OperatorInfo.INFO_FIELDS
        help_texts = {
            "name_kana": _("Katakana."),
            "account_number": _("7 digits."),
            "account_holder_kana": _("Katakana, as registered with the bank."),
            "contact_phone": _("e.g. 03-1234-5678"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "name_kana", "head_office_address", "representative", "contact_name",
                     "contact_email", "contact_phone", "bank_name", "bank_branch", "account_number",
                     "account_holder_kana"):
            self.fields[name].required = True
        for name in ("is_electricity_supplier", "is_domestic_corporation"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = _("Only electricity suppliers that are domestic "
                                                              "corporations may use the system; confirm this.")
        self.fields["licence_types"].label = capfirst(OperatorInfo._meta.get_field("licence_types").verbose_name)
        # A longer input limit than the 7 stored digits, so that a wrong length gets the clear message below.
        self.fields["account_number"].max_length = 20
        self.fields["account_number"].widget.attrs.update(maxlength="20", inputmode="numeric")
        self.fields["account_number"].validators = []

    def clean(self):
        cleaned = super().clean()
        for name in ("name", "head_office_address", "representative", "contact_name", "bank_name", "bank_branch"):
            if cleaned.get(name):
                cleaned[name] = normalise_text(cleaned[name])
        return cleaned

    def clean_name_kana(self):
        return clean_katakana(self.cleaned_data["name_kana"])

    def clean_account_holder_kana(self):
        return clean_katakana(self.cleaned_data["account_holder_kana"])

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data["contact_phone"])

    def clean_account_number(self):
        value = normalise_text(self.cleaned_data["account_number"])
        if not ACCOUNT_NUMBER_RE.match(value):
            raise ValidationError(_("Enter the account number as exactly 7 digits."), code="account_number")
        return value

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].strip().lower()

    def clean_licence_types(self):
        chosen = self.cleaned_data["licence_types"]
        return [value for value, _label in LicenceType.choices if value in chosen]


class OperatorCodeMixin(forms.ModelForm):
    """The 事業者コード of a use application: the code the business holds, in any width or case; well-formed and
    held by no operator and no other open use application."""

    code_help = _("The 5-character code (capital letters and digits) issued to your company before applying to "
                  "the Capacity Market System. It identifies your operator and cannot be changed later.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.required = True
        field.help_text = self.code_help
        field.max_length = 20  # a longer input than the 5 stored, so that a wrong length gets the clear message
        field.widget.attrs.update(maxlength="20", autocomplete="off", style="text-transform:uppercase")
        field.validators = []

    def clean_code(self):
        code = normalise_operator_code(self.cleaned_data["code"])
        try:
            operator_code_validator(code)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="operator_code_format") from exc
        exclude = self.instance if self.instance.pk else None
        if selectors.operator_code_taken(code, exclude_application=exclude):
            raise ValidationError(OPERATOR_CODE_TAKEN, code="operator_code_taken")
        return code


class UseApplicationCorrectionForm(OperatorCodeMixin, OperatorInfoForm):
    """A returned use application corrected through the e-mailed link: its operator information and code."""

    class Meta(OperatorInfoForm.Meta):
        fields = ("code", *OperatorInfo.INFO_FIELDS)


class UseApplicationForm(OperatorCodeMixin, OperatorInfoForm):
    """The use application (利用申請): operator information, the applicant, the admin ID and the terms.

    `terms` is the version in force, shown with the form; the hidden `terms_version` carries the version the
    applicant was shown back with the POST. When that is not the version in force (revised meanwhile, or
    garbage), the form is refused with a message, shows the terms now in force with the acceptance unticked,
    and keeps every other entry. cleaned_data["terms_version"] is the accepted TermsVersion.
    """

    accept_terms = forms.BooleanField(
        label=_("I have read and accept the terms of use above."),
        error_messages={"required": _("You must accept the terms of use to apply.")},
    )
    terms_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta(OperatorInfoForm.Meta):
        fields = ("code", *OperatorInfo.INFO_FIELDS, "applicant_email", "admin_login_id", "admin_full_name",
                  "admin_full_name_kana")
        help_texts = {
            **OperatorInfoForm.Meta.help_texts,
            "applicant_email": _("The administrator ID and a link to set its password are sent here."),
            "admin_login_id": _("4–50 letters, digits, '.', '_' or '-', starting with a letter or digit."),
            "admin_full_name_kana": _("Katakana."),
        }

    def __init__(self, *args, terms: TermsVersion | None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("applicant_email", "admin_login_id", "admin_full_name", "admin_full_name_kana"):
            self.fields[name].required = True
        self.fields["admin_login_id"].validators.append(login_id_validator)
        self.terms = terms
        self.terms_problem = None
        if terms is not None:
            self.fields["terms_version"].initial = terms.version
        if not self.is_bound:
            return
        shown = str(self.data.get("terms_version") or "")
        if terms is None:
            self.terms_problem = _("No terms of use are in force; applications cannot be accepted now.")
        elif shown != terms.version:
            known = len(shown) <= 20 and "\x00" not in shown and TermsVersion.objects.filter(version=shown).exists()
            self.terms_problem = TERMS_REVISED_MESSAGE if known else _(
                "The version of the terms of use sent with the form is not known. Read the terms below and accept "
                "them again.")
            # The page shows the terms in force: the acceptance must be given again, for that version.
            data = self.data.copy()
            data.pop("accept_terms", None)
            data["terms_version"] = terms.version
            self.data = data

    def clean(self):
        cleaned = super().clean()
        if self.terms_problem:
            raise ValidationError(self.terms_problem, code="terms_version")
        cleaned["terms_version"] = self.terms
        return cleaned

    def clean_applicant_email(self):
        return self.cleaned_data["applicant_email"].strip().lower()

    def clean_admin_full_name(self):
        return normalise_text(self.cleaned_data["admin_full_name"])

    def clean_admin_full_name_kana(self):
        return clean_katakana(self.cleaned_data["admin_full_name_kana"])

    def clean_admin_login_id(self):
        login_id = self.cleaned_data["admin_login_id"].strip()
        if login_id_taken(login_id):
            raise ValidationError(_("This login ID is already taken; choose another."), code="login_id_taken")
        return login_id


class ChangeApplicationForm(OperatorInfoForm):
    """A change of operator information, pre-filled with the current values (or a returned application's)."""

    class Meta(OperatorInfoForm.Meta):
        fields = (*OperatorInfo.INFO_FIELDS, "applicant_comment")
        widgets = {"applicant_comment": forms.Textarea(attrs={"rows": 3})}


class DeletionApplicationForm(forms.Form):
    """The operator admin confirms the deletion of the operator's registration (事業者情報の削除)."""

    reason = forms.CharField(label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)
    confirm = forms.BooleanField(
        label=_("I understand that on approval the operator and all of its user IDs are deactivated."),
        error_messages={"required": _("Confirm the deletion to submit the application.")},
    )


# --- resources (電源等情報) ------------------------------------------------------------------------------------
def clean_grid_code(value: str) -> str:
    """Full-width digits and spaces/hyphens typed by hand are normalised; the format rule is in `rules`."""
    return re.sub(r"[\s\-]", "", normalise_text(value))


class ResourceForm(forms.ModelForm):
    """Every resource field of domain.md §1. The category rules are checked with the units by the service."""

    class Meta:
        model = ResourceApplication
        fields = (*ResourceInfo.INFO_FIELDS, "applicant_comment")
        widgets = {
            "commissioning_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "support_end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "applicant_comment": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "grid_code": _("22 half-width digits."),
            "installed_kw": _("Whole kW. For aggregated categories: the total of the member units."),
            "support_end_date": _("Only for FIT or FIP resources."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_code"].max_length = 40
        self.fields["grid_code"].widget.attrs.update(maxlength="40", inputmode="numeric")
        self.fields["grid_code"].validators = []
        limit_installed_kw(self.fields["installed_kw"])
        # The bounds of rules (checked by the model validators) also as input hints.
        self.fields["commissioning_date"].widget.attrs.update(
            min=rules.MIN_COMMISSIONING_DATE.isoformat(), max=rules.MAX_COMMISSIONING_DATE.isoformat())
        self.fields["continuous_output_hours"].widget.attrs.update(
            min=str(rules.MIN_CONTINUOUS_OUTPUT_HOURS), max=str(rules.MAX_CONTINUOUS_OUTPUT_HOURS), step="0.1")

    def clean_grid_code(self):
        return clean_grid_code(self.cleaned_data["grid_code"])

    def clean_name(self):
        return normalise_text(self.cleaned_data["name"])

    def clean_owner_name(self):
        return normalise_text(self.cleaned_data.get("owner_name") or "")


class ResourceUnitForm(forms.Form):
    """One member unit of an aggregated resource; a row left blank is ignored."""

    grid_code = forms.CharField(label=_("grid code"), max_length=40, required=False)
    area = forms.ChoiceField(label=_("location area"), choices=[("", "---------"), *Area.choices], required=False)
    generation_type = forms.ChoiceField(label=_("generation type"),
                                        choices=[("", "---------"), *GenerationType.choices], required=False)
    installed_kw = forms.IntegerField(label=_("installed capacity (kW)"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_installed_kw(self.fields["installed_kw"])

    def clean_grid_code(self):
        return clean_grid_code(self.cleaned_data.get("grid_code") or "")

    def clean(self):
        cleaned = super().clean()
        filled = [name for name in ("grid_code", "area", "generation_type", "installed_kw")
                  if cleaned.get(name) not in (None, "")]
        if filled and len(filled) < 4 and not self.errors:
            raise ValidationError(_("Fill in every column of the unit, or leave the row blank."), code="partial")
        cleaned["is_blank"] = not filled
        return cleaned


class BaseResourceUnitFormSet(forms.BaseFormSet):
    def units(self) -> list[dict]:
        return [
            {k: form.cleaned_data[k] for k in ("grid_code", "area", "generation_type", "installed_kw")}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("is_blank")
            and not form.cleaned_data.get("DELETE")
        ]


ResourceUnitFormSet = forms.formset_factory(
    ResourceUnitForm, formset=BaseResourceUnitFormSet, extra=0, max_num=2000, absolute_max=2000, validate_max=True,
)


class ResourceDeletionForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             required=False)
    confirm = forms.BooleanField(
        label=_("I understand that on approval the resource is deleted and can no longer bid."),
        error_messages={"required": _("Confirm the deletion to submit the application.")},
    )


class ResourceFilterForm(forms.Form):
    """The filters of the resource list; an unknown value is ignored rather than refused."""

    STATUS_CHOICES = (
        ("", _("All")),
        ("active", _("Registered")),
        ("pending", _("With an open application")),
        ("deleted", _("Deleted")),
    )
    area = forms.ChoiceField(label=_("area"), choices=[("", _("All")), *Area.choices], required=False)
    category = forms.ChoiceField(label=_("category"), choices=[("", _("All")), *ResourceCategory.choices],
                                 required=False)
    status = forms.ChoiceField(label=_("status"), choices=STATUS_CHOICES, required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


# --- the member-unit formset of a resource page, and rule violations put on their fields -------------------------
BLANK_UNIT_ROWS = 5
MAX_BLANK_UNIT_ROWS = 100


def unit_formset(request, initial: list[dict] | None = None) -> ResourceUnitFormSet:
    """The member-unit formset: bound on POST; else the initial units plus some blank rows (?rows=N for more)."""
    if request.method == "POST":
        return ResourceUnitFormSet(request.POST, prefix="units")
    try:
        blank = min(max(int(request.GET.get("rows", BLANK_UNIT_ROWS)), 0), MAX_BLANK_UNIT_ROWS)
    except (TypeError, ValueError):
        blank = BLANK_UNIT_ROWS
    initial = list(initial or [])
    formset = ResourceUnitFormSet(prefix="units", initial=initial)
    formset.extra = blank
    return formset


def show_violations(form, formset, exc) -> None:
    """Put each rule violation on its field; unit-list violations on the formset."""
    for field, message in exc.violations:
        if field in form.fields:
            form.add_error(field, message)
        elif field and field.startswith("units"):
            formset._non_form_errors = formset.non_form_errors() + [message]
        else:
            form.add_error(None, message)
