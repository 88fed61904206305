"""Forms of accounts: they validate and normalise only; services do the writes."""

import re

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from capacity_market.roles import OCCTO_ADMIN_GROUP, OCCTO_REVIEWER_GROUP, group_label

from .models import User, login_id_validator
from .selectors import login_id_taken

# Katakana (full-width), the prolonged-sound mark, middle dot and spaces.
KANA_RE = re.compile(r"^[\u30A0-\u30FF\u3000 ]+$")


class LoginForm(AllauthLoginForm):
    """allauth's log-in form, labelled for login IDs, without sign-up or password-reset hints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Login ID")
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
        password = self.fields["password"]
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)


class PasswordRulesMixin:
    """Adds the password rules (from AUTH_PASSWORD_VALIDATORS) as help text of the first new-password field."""

    def _set_rules_help(self, field_name: str) -> None:
        self.fields[field_name].help_text = password_validation.password_validators_help_text_html()


class SetPasswordForm(PasswordRulesMixin, DjangoSetPasswordForm):
    """New password twice, validated against every rule (length, common, similarity, reuse of the last 5)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self._set_rules_help("new_password1")


class PasswordChangeForm(PasswordRulesMixin, DjangoPasswordChangeForm):
    """Current password, then the new one twice. Used for the forced and the voluntary change."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self._set_rules_help("new_password1")


class UserDetailsForm(forms.ModelForm):
    """A natural person's name, kana, e-mail, phone and language (no role, operator or state fields)."""

    class Meta:
        model = User
        fields = ["full_name", "full_name_kana", "email", "phone", "language"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "full_name_kana": forms.TextInput(),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name_kana"].required = True
        self.fields["full_name_kana"].help_text = _("In katakana, e.g. ヤマダ タロウ.")
        self.fields["language"].help_text = _("The language of the e-mails this user receives.")

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_full_name_kana(self) -> str:
        kana = " ".join(self.cleaned_data["full_name_kana"].split())
        if not KANA_RE.match(kana):
            raise forms.ValidationError(_("Enter the name in katakana."), code="kana")
        return kana

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not re.fullmatch(r"\+?[0-9][0-9\- ]{5,28}", phone):
            raise forms.ValidationError(_("Enter a phone number of digits and hyphens."), code="phone")
        return phone


class UserIssueForm(UserDetailsForm):
    """Issue a user ID: the login ID the person will type, plus their details."""

    class Meta(UserDetailsForm.Meta):
        fields = ["login_id", *UserDetailsForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login_id"].help_text = login_id_validator.message
        self.fields["login_id"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none",
                                                    "spellcheck": "false"})

    def clean_login_id(self) -> str:
        login_id = self.cleaned_data["login_id"].strip()
        if login_id_taken(login_id):
            raise forms.ValidationError(_("This login ID is already in use. Choose another one."), code="taken")
        return login_id

    def validate_unique(self):
        # Uniqueness (ignoring case) is checked in clean_login_id with a clearer message.
        pass


class StaffCreateForm(UserIssueForm):
    """OCCTO administrators create OCCTO staff IDs in the admin: details plus the OCCTO role(s)."""

    groups = forms.ModelMultipleChoiceField(
        label=_("OCCTO roles"), queryset=Group.objects.none(), widget=forms.CheckboxSelectMultiple,
    )

    class Meta(UserIssueForm.Meta):
        fields = [*UserIssueForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = Group.objects.filter(name__in=[OCCTO_REVIEWER_GROUP, OCCTO_ADMIN_GROUP])
        self.fields["groups"].label_from_instance = group_label  # the role's name, not the group's code
        self.fields["full_name_kana"].required = False

    def clean_full_name_kana(self) -> str:
        kana = " ".join(self.cleaned_data["full_name_kana"].split())
        return super().clean_full_name_kana() if kana else ""


class HandOverForm(forms.Form):
    """Confirm handing the administrator role over (the checkbox makes the decision explicit)."""

    confirm = forms.BooleanField(
        label=_("I understand that I will become an ordinary user of my operator."), required=True,
    )

