"""Bids (応札): one per resource and auction, every version kept, and the receipts of submissions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.choices import Area, ResourceCategory

from ..schedule.models import Auction


# --- 応札 (bids) ---------------------------------------------------------------------------------------------------
class BidStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BidAction(models.TextChoices):
    CREATED = "created", _("Bid")
    CHANGED = "changed", _("Changed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REBID = "rebid", _("Bid again")


class BidSource(models.TextChoices):
    FORM = "form", _("Bid page")
    CSV = "csv", _("CSV upload")


class BidSubmission(models.Model):
    """One accepted submission (a save of the bid page, a withdrawal or a CSV file): the receipt (受付).

    `idempotency_key` comes from the form (a UUID rendered into it): a double-click or a retried POST finds the
    first submission instead of storing the bids twice. `accepted_at` is the server instant the submission was
    accepted; it is always before the auction's `bid_closes_at`."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bid_submissions",
                                verbose_name=_("auction"))
    operator = models.ForeignKey("tenants.Operator", on_delete=models.PROTECT, related_name="bid_submissions",
                                 verbose_name=_("operator"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    idempotency_key = models.UUIDField(_("idempotency key"))
    source = models.CharField(_("source"), max_length=10, choices=BidSource.choices, default=BidSource.FORM)
    accepted_at = models.DateTimeField(_("accepted at"))
    bid_count = models.PositiveIntegerField(_("bids"), default=0)
    import_job = models.ForeignKey("capacity_market.ImportJob", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("CSV import"))

    class Meta:
        verbose_name = _("bid submission (receipt)")
        verbose_name_plural = _("bid submissions (receipts)")
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "idempotency_key"], name="one_bid_submission_per_key"),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def receipt_number(self) -> str:
        """受付番号, e.g. "BR-000123"."""
        return f"BR-{self.pk:06d}" if self.pk else "BR-"


class Bid(models.Model):
    """応札: the current bid of one qualified resource in one auction (one per resource and auction).

    Every create, change and withdrawal bumps `version` (optimistic locking: a save based on an older version is
    refused, never silently overwritten) and is kept as a `BidVersion`. `area` and `category` are the resource's
    at the bid's last acceptance: the clearing reads them from here, so a bid is cleared as it was submitted even
    if the resource's master data changes afterwards."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids", verbose_name=_("auction"))
    resource = models.ForeignKey("registration.Resource", on_delete=models.PROTECT, related_name="bids",
                                 verbose_name=_("resource"))
    operator = models.ForeignKey("tenants.Operator", on_delete=models.PROTECT, related_name="bids",
                                 verbose_name=_("operator"))
    status = models.CharField(_("status"), max_length=20, choices=BidStatus.choices, default=BidStatus.ACTIVE)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    quantity_kw = models.PositiveIntegerField(_("quantity (kW)"))
    price_yen = models.PositiveIntegerField(_("price (yen/kW)"))
    version = models.PositiveIntegerField(_("version"), default=1)
    submission = models.ForeignKey(BidSubmission, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("latest receipt"))
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["resource__grid_code", "pk"]
        indexes = [models.Index(fields=["auction", "operator", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["auction", "resource"], name="one_bid_per_resource_and_auction"),
            models.CheckConstraint(condition=models.Q(quantity_kw__gte=1), name="bid_quantity_at_least_1_kw"),
        ]

    def __str__(self) -> str:
        return f"{self.auction} / {self.resource_id}: {self.quantity_kw:,} kW @ {self.price_yen:,}"

    @property
    def is_active(self) -> bool:
        return self.status == BidStatus.ACTIVE

    @property
    def bid_code(self) -> str:
        """The bid's ID in clearing files: "B-<pk>" (stable across re-runs and changes)."""
        return f"B-{self.pk:07d}"


class BidVersion(models.Model):
    """One version of a bid, kept forever (append-only): what was bid (with the resource's area and category at
    that acceptance), when, by whom, under which receipt."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="versions", verbose_name=_("bid"))
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=20, choices=BidAction.choices)
    status = models.CharField(_("status"), max_length=20, choices=BidStatus.choices)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    category = models.CharField(_("category"), max_length=20, choices=ResourceCategory.choices)
    quantity_kw = models.PositiveIntegerField(_("quantity (kW)"))
    price_yen = models.PositiveIntegerField(_("price (yen/kW)"))
    submission = models.ForeignKey(BidSubmission, on_delete=models.PROTECT, related_name="versions",
                                   verbose_name=_("receipt"))
    created_at = models.DateTimeField(_("at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("by"))

    class Meta:
        verbose_name = _("bid version")
        verbose_name_plural = _("bid versions")
        ordering = ["bid", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "version"], name="one_bid_version_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id} v{self.version} {self.action}"
