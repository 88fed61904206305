"""Users, the one-time admin-ID issue, password history and terms versions (利用規約 3.2–3.5)."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

login_id_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{3,49}$",
    _("Use 4–50 letters, digits, '.', '_' or '-', starting with a letter or digit."),
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, login_id: str, password: str | None = None, **extra):
        user = self.model(login_id=login_id, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, login_id: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(login_id, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A natural person's ID. Operator users belong to exactly one operator; OCCTO staff to none."""

    class OperatorRole(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        # Context: Django's admin has its own "User" (the column of an object's history), which reads ユーザ.
        USER = "user", pgettext_lazy("operator role", "User")

    login_id = models.CharField(_("login ID"), max_length=50, unique=True, validators=[login_id_validator])
    full_name = models.CharField(_("full name"), max_length=100)
    full_name_kana = models.CharField(_("full name (kana)"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    operator = models.ForeignKey(
        "tenants.Operator", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("operator"),
    )
    operator_role = models.CharField(_("operator role"), max_length=10, choices=OperatorRole.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="ja")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff (admin screens)"), default=False)
    failed_login_count = models.PositiveSmallIntegerField(_("consecutive failed log-ins"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    date_joined = models.DateTimeField(_("issued at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "login_id"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["login_id"]
        constraints = [
            # Login IDs are unique ignoring case (accounts.selectors.login_id_taken checks first, with a message).
            models.UniqueConstraint(Lower("login_id"), name="user_login_id_unique_ignoring_case"),
            # At most one current admin per operator; handing over swaps the role in one transaction.
            models.UniqueConstraint(
                fields=["operator"], condition=Q(operator_role="admin"), name="one_current_admin_per_operator"
            ),
            models.CheckConstraint(
                condition=(Q(operator__isnull=True) & Q(operator_role=""))
                | (Q(operator__isnull=False) & Q(operator_role__in=["admin", "user"])),
                name="operator_role_iff_operator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.login_id} ({self.full_name})"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_operator_admin(self) -> bool:
        return self.operator_id is not None and self.operator_role == self.OperatorRole.ADMIN


class AdminIdIssuance(models.Model):
    """The one issue of an operator's admin ID (利用規約 3.2). The one-to-one key makes a second impossible."""

    operator = models.OneToOneField("tenants.Operator", on_delete=models.PROTECT, related_name="admin_id_issuance")
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("admin ID issue")
        verbose_name_plural = _("admin ID issues")

    def __str__(self) -> str:
        return f"{self.operator_id}: {self.user_id}"


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so that the last N cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class TermsVersion(models.Model):
    """A version of the terms of use (利用規約). Use requires accepting the current one."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    effective_from = models.DateTimeField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.title} Ver. {self.version}"

    @classmethod
    def current(cls) -> "TermsVersion | None":
        return cls.objects.filter(effective_from__lte=timezone.now()).order_by("-effective_from").first()


class UnmatchedLoginFailure(models.Model):
    """Failed log-ins under a typed ID that is no usable account (unknown or deleted), counted like a real ID's
    consecutive failures so the log-in page announces the lock at the same failure for both (accounts.backends):
    the page never tells whether an ID exists."""

    login_id = models.CharField(_("login ID typed"), max_length=150, unique=True)
    failed_count = models.PositiveIntegerField(_("failed log-ins"), default=0)
    last_failed_at = models.DateTimeField(_("last failure"), auto_now=True)

    class Meta:
        verbose_name = _("failed log-in under an unknown ID")
        verbose_name_plural = _("failed log-ins under unknown IDs")

    def __str__(self) -> str:
        return f"{self.login_id}: {self.failed_count}"
