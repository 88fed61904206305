"""Auctions (オークション), their parameters, reminders, and expected capacity (期待容量).

An auction's phases are exact aware instants (shown in JST). Whether a phase is open is never stored: it is
derived from the clock and the service window (`auctions.phases`). The parameters are what the later clearing
needs (domain.md §3): the demand curve (Net CONE stored, upper price = 1.5 × Net CONE derived), fixed supply
items, the DR cap, the adjustment-factor table (調整係数) and the transitional-deduction coefficients (経過措置).
"""

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from capacity_market import review
from capacity_market.review import ApplicationKind
from capacity_market.state_machine import StateMachine
from registration.choices import VARIABLE_CATEGORIES, Area, GenerationType, ResourceCategory

UPPER_PRICE_FACTOR = Decimal("1.5")


class AuctionKind(models.TextChoices):
    MAIN = "main", _("Main auction")
    ADDITIONAL = "additional", _("Additional auction")


# The dated phases in the order they must follow: (field name, may equal the previous one).
PHASE_FIELDS: tuple[tuple[str, bool], ...] = (
    ("registration_opens_at", False),
    ("expected_capacity_deadline", False),
    ("registration_closes_at", True),
    ("bid_opens_at", True),
    ("bid_closes_at", False),
    ("clearing_at", True),
    ("publication_at", True),
    ("contract_conclusion_at", True),
)
# The phases that are deadlines for operators (reminded by e-mail).
DEADLINE_FIELDS = ("expected_capacity_deadline", "registration_closes_at", "bid_closes_at")


class Auction(models.Model):
    """One capacity auction: kind, delivery fiscal year, the dated phases and the demand-curve parameters."""

    kind = models.CharField(_("kind"), max_length=20, choices=AuctionKind.choices, default=AuctionKind.MAIN)
    delivery_fiscal_year = models.PositiveSmallIntegerField(
        _("delivery fiscal year"), validators=[MinValueValidator(2020), MaxValueValidator(2100)],
        help_text=_("The fiscal year of delivery, April to March (e.g. 2030 = April 2030 to March 2031)."),
    )
    name = models.CharField(_("name"), max_length=200)

    registration_opens_at = models.DateTimeField(_("registration window opens"))
    expected_capacity_deadline = models.DateTimeField(
        _("expected-capacity deadline"),
        help_text=_("Expected-capacity applications are accepted from the opening of the registration window "
                    "until this instant."),
    )
    registration_closes_at = models.DateTimeField(_("registration window closes"))
    bid_opens_at = models.DateTimeField(_("bid window opens"))
    bid_closes_at = models.DateTimeField(_("bid window closes"))
    clearing_at = models.DateTimeField(_("clearing"))
    publication_at = models.DateTimeField(_("result publication"))
    contract_conclusion_at = models.DateTimeField(_("contract conclusion"))

    # --- demand curve (需要曲線) -----------------------------------------------------------------------------
    net_cone = models.DecimalField(
        _("Net CONE (index price, yen/kW)"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The upper price is 1.5 × Net CONE exactly."),
    )
    q_upper_kw = models.PositiveBigIntegerField(_("quantity at the upper price (kW)"))
    target_kw = models.PositiveBigIntegerField(_("target procurement (kW)"))
    q_zero_kw = models.PositiveBigIntegerField(_("quantity at zero price (kW)"))
    dr_cap_kw = models.PositiveBigIntegerField(
        _("DR cap (kW)"), null=True, blank=True,
        help_text=_("The most dispatch-instruction capacity accepted; empty means no cap."),
    )

    # --- bid closing (応札締切) by OCCTO: after the bid window has closed by the clock, freezes the bids -------------
    bids_closed_at = models.DateTimeField(_("bids closed at"), null=True, blank=True)
    bids_closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("bids closed by"))

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["-registration_opens_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "delivery_fiscal_year"], name="one_auction_per_kind_and_year"),
        ]

    def __str__(self) -> str:
        return self.name

    # --- derived values ----------------------------------------------------------------------------------------
    @property
    def upper_price(self) -> Decimal | None:
        """上限価格 = 1.5 × Net CONE exactly (may be x.5 yen)."""
        if self.net_cone is None:
            return None
        value = Decimal(self.net_cone) * UPPER_PRICE_FACTOR
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()

    @property
    def code(self) -> str:
        """A short key naming the auction in CSV files, e.g. "main-2030" (kind and delivery year are unique)."""
        return f"{self.kind}-{self.delivery_fiscal_year}"

    @property
    def delivery_period(self) -> tuple[dt.date, dt.date]:
        """The delivery fiscal year as dates: 1 April to 31 March of the next year."""
        return dt.date(self.delivery_fiscal_year, 4, 1), dt.date(self.delivery_fiscal_year + 1, 3, 31)

    def phases(self) -> list[tuple[str, str, dt.datetime]]:
        """(field, label, instant) of every phase, in order."""
        return [(name, str(self._meta.get_field(name).verbose_name), getattr(self, name))
                for name, _equal in PHASE_FIELDS]

    def phase_state(self, now: dt.datetime | None = None, *, service_open: bool | None = None):
        """Which windows are open at `now` and what is due next (see `auctions.phases.PhaseState`)."""
        from .phases import phase_state

        return phase_state(self, now, service_open=service_open)

    def deduction_coefficient_for(self, commissioning_date: dt.date) -> Decimal:
        """The transitional-deduction coefficient k of a plant commissioned on that date (1 when none applies).

        Uses the prefetched `deduction_coefficients` when present."""
        rows = sorted(self.deduction_coefficients.all(), key=lambda r: r.commissioned_until)
        for row in rows:
            if commissioning_date <= row.commissioned_until:
                return row.coefficient
        return Decimal(1)

    def adjustment_factor_for(self, *, generation_type: str, area: str) -> Decimal | None:
        for row in self.adjustment_factors.all():
            if row.generation_type == generation_type and row.area == area:
                return row.factor
        return None

    # --- validation --------------------------------------------------------------------------------------------
    def clean(self) -> None:
        errors: dict[str, list] = {}
        previous_name, previous = None, None
        for name, may_equal in PHASE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if previous is not None and (value < previous or (value == previous and not may_equal)):
                errors.setdefault(name, []).append(
                    _("Must be after “%(previous)s”.")
                    % {"previous": self._meta.get_field(previous_name).verbose_name}
                )
            previous_name, previous = name, value
        if None not in (self.q_upper_kw, self.target_kw, self.q_zero_kw) and not (
            self.q_upper_kw < self.target_kw < self.q_zero_kw
        ):
            errors.setdefault("target_kw", []).append(
                _("The demand-curve quantities must grow: quantity at the upper price < target < quantity at "
                  "zero price.")
            )
        if errors:
            raise ValidationError(errors)


class FixedSupplyItem(models.Model):
    """Supply added before the bids at price 0 (FIT expected capacity, reserve for the additional auction, …)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="fixed_supply_items",
                                verbose_name=_("auction"))
    label = models.CharField(_("label"), max_length=200)
    kw = models.PositiveBigIntegerField(_("capacity (kW)"))

    class Meta:
        verbose_name = _("fixed supply item")
        verbose_name_plural = _("fixed supply items")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.label}: {self.kw:,} kW"


class AdjustmentFactor(models.Model):
    """調整係数: the share of installed capacity a variable resource of this type and area is expected to supply."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="adjustment_factors",
                                verbose_name=_("auction"))
    generation_type = models.CharField(_("generation type"), max_length=20, choices=GenerationType.choices)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    factor = models.DecimalField(
        _("adjustment factor"), max_digits=6, decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("adjustment factor")
        verbose_name_plural = _("adjustment factors")
        ordering = ["generation_type", "area"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "generation_type", "area"],
                                    name="one_adjustment_factor_per_type_and_area"),
            models.CheckConstraint(condition=models.Q(factor__gte=0) & models.Q(factor__lte=1),
                                   name="adjustment_factor_between_0_and_1"),
        ]

    def __str__(self) -> str:
        return f"{self.get_generation_type_display()} / {self.get_area_display()}: {self.factor}"


class TransitionalDeductionCoefficient(models.Model):
    """経過措置控除係数 k of one plant-age class: plants commissioned on or before `commissioned_until` (and after
    the previous class's date) are paid amount × k."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="deduction_coefficients",
                                verbose_name=_("auction"))
    label = models.CharField(_("plant-age class"), max_length=200)
    commissioned_until = models.DateField(_("commissioned on or before"))
    coefficient = models.DecimalField(
        _("coefficient k"), max_digits=6, decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("transitional deduction coefficient")
        verbose_name_plural = _("transitional deduction coefficients")
        ordering = ["commissioned_until"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "commissioned_until"],
                                    name="one_deduction_coefficient_per_age_class"),
            models.CheckConstraint(condition=models.Q(coefficient__gte=0) & models.Q(coefficient__lte=1),
                                   name="deduction_coefficient_between_0_and_1"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.coefficient}"


class SentReminder(models.Model):
    """One reminder e-mailing of one deadline of one auction (makes the reminder task idempotent).

    The deadline instant is part of the key: when OCCTO moves a deadline, the new one is reminded again."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="sent_reminders",
                                verbose_name=_("auction"))
    deadline = models.CharField(_("deadline"), max_length=40)
    deadline_at = models.DateTimeField(_("deadline instant"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "deadline", "deadline_at"], name="one_reminder_per_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.auction} {self.deadline} {self.deadline_at:%Y-%m-%d %H:%M}"


# --- 期待容量 (expected capacity) ------------------------------------------------------------------------------
def truncate_kw(value: Decimal) -> int:
    """Whole kW, fractions truncated (端数切捨て)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_DOWN))


def computed_expected_kw(installed_kw: int, factor: Decimal) -> int:
    return truncate_kw(Decimal(installed_kw) * Decimal(factor))


class ExpectedCapacityInfo(review.InfoFields):
    """The expected-capacity value and, for variable resources, the working it was computed with."""

    INFO_FIELDS = ("expected_kw",)

    def display_value(self, field_name: str) -> str:
        """kW with thousands separators, as every page shows them."""
        return f"{self.expected_kw:,}" if field_name == "expected_kw" else super().display_value(field_name)

    expected_kw = models.PositiveIntegerField(_("expected capacity (kW)"))
    installed_kw = models.PositiveIntegerField(_("installed capacity at application (kW)"))
    adjustment_factor = models.DecimalField(_("adjustment factor"), max_digits=6, decimal_places=4, null=True,
                                            blank=True)

    class Meta:
        abstract = True

    @property
    def is_computed(self) -> bool:
        return self.adjustment_factor is not None

    @property
    def working(self) -> str:
        """installed × factor = result, for computed values; empty otherwise."""
        if self.adjustment_factor is None:
            return ""
        return f"{self.installed_kw:,} kW × {self.adjustment_factor} = {self.expected_kw:,} kW"


ExpectedCapacityApplicationBase = review.subject_application(
    subject="registration.Resource", subject_field="resource", related_name="expected_capacity_applications",
    verbose_name=_("resource"), operator_related_name="expected_capacity_applications", scope=("auction",),
    kinds=(ApplicationKind.NEW, ApplicationKind.CHANGE), subject_always=True,
)


class ExpectedCapacityApplication(ExpectedCapacityInfo, ExpectedCapacityApplicationBase):
    """An application for a resource's expected capacity in one auction: new or change (no deletion)."""

    number_prefix = "EC"

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="expected_capacity_applications",
                                verbose_name=_("auction"))

    class Meta(ExpectedCapacityApplicationBase.Meta):
        verbose_name = _("expected-capacity application")
        verbose_name_plural = _("expected-capacity applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["operator", "auction", "status"])]
        constraints = [
            *ExpectedCapacityApplicationBase.Meta.constraints,
            models.CheckConstraint(condition=models.Q(expected_kw__lte=models.F("installed_kw")),
                                   name="expected_capacity_at_most_installed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}: {self.resource.grid_code} {self.resource.name} " \
            f"{self.expected_kw:,} kW"

    def current_record(self):
        """The approved expected capacity this application would replace."""
        return ExpectedCapacity.objects.filter(resource_id=self.resource_id, auction_id=self.auction_id).first()

    def extra_comparison_rows(self, current) -> list[tuple[str, Any, Any]]:
        return [(str(_("working")), current.working if current else "", self.working)]

    @property
    def subject_label(self) -> str:
        return f"{self.auction.name} / {self.resource.grid_code} {self.resource.name}"


class ExpectedCapacity(ExpectedCapacityInfo):
    """The approved expected capacity of a resource in an auction: its participation qualification (参加資格)."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="expected_capacities",
                                verbose_name=_("auction"))
    resource = models.ForeignKey("registration.Resource", on_delete=models.PROTECT,
                                 related_name="expected_capacities", verbose_name=_("resource"))
    application = models.ForeignKey(ExpectedCapacityApplication, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("approved application"))
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        verbose_name = _("expected capacity (qualification)")
        verbose_name_plural = _("expected capacities (qualifications)")
        ordering = ["resource__grid_code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "auction"], name="one_expected_capacity_per_auction"),
        ]

    def __str__(self) -> str:
        return f"{self.auction} / {self.resource_id}: {self.expected_kw:,} kW"


def is_variable(category: str) -> bool:
    return category in VARIABLE_CATEGORIES


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


# --- 約定処理 (clearing) ----------------------------------------------------------------------------------------------
class ShortBlock(models.Model):
    """不足ブロック: a block of areas the reliability analysis marked short, with its additional quantity.

    Entered by OCCTO before the clearing; blocks are cleared in `order`, and a block's `adjacent` is "national" or
    the name of a block earlier in that order (clearing-format.md step 5)."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="short_blocks",
                                verbose_name=_("auction"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=50)
    areas = ArrayField(models.CharField(max_length=20, choices=Area.choices), verbose_name=_("areas"))
    additional_kw = models.PositiveBigIntegerField(_("additional procurement (kW)"))
    adjacent = models.CharField(
        _("adjacent block"), max_length=50, default="national",
        help_text=_("“national”, or the name of a block cleared earlier whose price caps this block's."),
    )

    class Meta:
        verbose_name = _("short block")
        verbose_name_plural = _("short blocks")
        ordering = ["auction", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "name"], name="one_short_block_name_per_auction"),
        ]

    def __str__(self) -> str:
        return self.name


class ClearingRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")


# Runs that cleared and keep their results (prices, totals, one outcome per bid).
RUN_STATUSES_WITH_RESULTS = frozenset({ClearingRunStatus.SUCCEEDED, ClearingRunStatus.PUBLISHED})


class ClearingRun(models.Model):
    """One clearing (約定処理) of an auction's closed bids. Re-runnable until one run is published.

    Stores the engine's input summary (seed, short blocks, fixed supply, bid count) and its result: national and
    area prices and totals; each bid's outcome is a `ClearingOutcome`. Operators see nothing until it is published
    (status published, with `published_at` and `published_by`; a database constraint keeps the two together)."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="clearing_runs",
                                verbose_name=_("auction"))
    status = models.CharField(_("status"), max_length=20, choices=ClearingRunStatus.choices,
                              default=ClearingRunStatus.QUEUED)
    # The moves of a run (`auctions.clearing_service`), each through `states.transition` and audited: the task
    # claims a queued run and ends it succeeded or failed; a queued or running run can be marked failed (a broker
    # that is down, a worker that died); OCCTO publishes one succeeded run, after which nothing moves.
    states = StateMachine({
        ClearingRunStatus.QUEUED: {ClearingRunStatus.RUNNING, ClearingRunStatus.FAILED},
        ClearingRunStatus.RUNNING: {ClearingRunStatus.SUCCEEDED, ClearingRunStatus.FAILED},
        ClearingRunStatus.SUCCEEDED: {ClearingRunStatus.PUBLISHED},
        ClearingRunStatus.FAILED: set(),
        ClearingRunStatus.PUBLISHED: set(),
    })
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_label = models.CharField(_("step"), max_length=200, blank=True)
    tie_break_seed = models.CharField(_("tie-break seed"), max_length=100)
    input_summary = models.JSONField(_("input"), default=dict, blank=True,
                                     help_text=_("Demand curve, fixed supply, DR cap, short blocks and bid count."))
    bid_count = models.PositiveIntegerField(_("bids"), default=0)
    national_price = models.PositiveIntegerField(_("national price (yen/kW)"), null=True, blank=True)
    area_prices = models.JSONField(_("area prices"), default=dict, blank=True)
    awarded_kw = models.PositiveBigIntegerField(_("awarded (kW)"), null=True, blank=True)
    total_amount_yen = models.PositiveBigIntegerField(_("total amount (yen)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))

    class Meta:
        verbose_name = _("clearing run")
        verbose_name_plural = _("clearing runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["auction"], condition=models.Q(published_at__isnull=False),
                                    name="one_published_clearing_per_auction"),
            models.UniqueConstraint(fields=["auction"],
                                    condition=models.Q(status__in=["queued", "running"]),
                                    name="one_unfinished_clearing_per_auction"),
            models.CheckConstraint(
                condition=(models.Q(status="published", published_at__isnull=False)
                           | (~models.Q(status="published") & models.Q(published_at__isnull=True))),
                name="clearing_run_published_when_it_has_a_publication_time"),
        ]

    def __str__(self) -> str:
        return f"{self.auction} #{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.status == ClearingRunStatus.PUBLISHED

    @property
    def has_results(self) -> bool:
        """Whether the run cleared and keeps its results (succeeded, published or not)."""
        return self.status in RUN_STATUSES_WITH_RESULTS


class ClearingOutcome(models.Model):
    """One bid's outcome in one clearing run: awarded (kW, paid price, amount), not awarded, or excluded by the
    DR cap. The bid's values at the clearing are copied, so later corrections cannot change a stored result."""

    run = models.ForeignKey(ClearingRun, on_delete=models.CASCADE, related_name="outcomes",
                            verbose_name=_("clearing run"))
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("bid"))
    operator = models.ForeignKey("tenants.Operator", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("operator"))
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    category = models.CharField(_("category"), max_length=30)
    quantity_kw = models.PositiveIntegerField(_("bid quantity (kW)"))
    price_yen = models.PositiveIntegerField(_("bid price (yen/kW)"))
    awarded_kw = models.PositiveIntegerField(_("awarded (kW)"), default=0)
    paid_price = models.PositiveIntegerField(_("paid price (yen/kW)"), null=True, blank=True)
    amount_yen = models.PositiveBigIntegerField(_("amount (yen)"), default=0)
    excluded_by_dr_cap = models.BooleanField(_("excluded by the DR cap"), default=False)

    class Meta:
        verbose_name = _("clearing outcome")
        verbose_name_plural = _("clearing outcomes")
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "operator"])]
        constraints = [
            models.UniqueConstraint(fields=["run", "bid"], name="one_outcome_per_bid_and_run"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} / {self.bid_id}: {self.awarded_kw:,} kW"

    @property
    def is_awarded(self) -> bool:
        return self.awarded_kw > 0
