"""Auctions (オークション), their phases' instants and parameters, and the reminders sent before deadlines."""

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from capacity_market.ordering import area_order, choice_order
from registration.choices import Area, GenerationType

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

    # --- participation (参加要件) and bids: configurable per auction (domain.md §1–§2) ---------------------------
    threshold_kw = models.PositiveIntegerField(
        _("category threshold (kW of expected capacity)"), default=1_000,
        validators=[MinValueValidator(1)],
        help_text=_("Every category's threshold applies to the approved expected capacity: stable and variable "
                    "stand-alone resources each, the members of an aggregate together, dispatch in total."),
    )
    min_bid_kw = models.PositiveIntegerField(
        _("smallest bid (kW)"), default=1_000, validators=[MinValueValidator(1)],
        help_text=_("A bid's quantity is at least this and at most the approved expected capacity."),
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
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        # `name` keeps the Japanese name for the records (search, notices written in Japanese, CSV look-up): it is
        # always the one built from kind and year, so what is stored and what is shown cannot drift apart.
        with translation.override("ja"):
            self.name = self.display_name
        if kwargs.get("update_fields") is not None and {"kind", "delivery_fiscal_year"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "name"}
        super().save(*args, **kwargs)

    # --- derived values ----------------------------------------------------------------------------------------
    @property
    def upper_price(self) -> Decimal | None:
        """上限価格 = 1.5 × Net CONE exactly (may be x.5 yen)."""
        if self.net_cone is None:
            return None
        value = Decimal(self.net_cone) * UPPER_PRICE_FACTOR
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()

    @property
    def display_name(self) -> str:
        """The auction's name in the active language, built from kind and delivery year (issue #9 §2 item 10):
        「メインオークション（実需給2030年度）」, "Main auction (delivery FY2030)". Every page, mail and admin screen
        shows this (`str(auction)`); the stored `name` is its Japanese form."""
        return _("%(kind)s (delivery FY%(year)s)") % {"kind": self.get_kind_display(),
                                                       "year": self.delivery_fiscal_year}

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
        """Which windows are open at `now` and what is due next (see `auctions.schedule.phases.PhaseState`)."""
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


def adjustment_factor_order() -> tuple:
    """Adjustment factors as people read them: by generation type in its declared order, then area north to
    south (the model's `ordering` is the codes' spelling; changing it would need a migration)."""
    return (choice_order("generation_type", GenerationType.values), area_order(), "pk")


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


class AreaDrCap(models.Model):
    """An additional auction's DR cap in one area (each area's H3 × 1 %, Hokkaido excluded): the most
    dispatch-instruction capacity of that area accepted; areas without a row have no area cap."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="area_dr_caps",
                                verbose_name=_("auction"))
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    cap_kw = models.PositiveBigIntegerField(_("DR cap (kW)"))

    class Meta:
        verbose_name = _("DR cap of an area")
        verbose_name_plural = _("DR caps by area")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "area"], name="one_dr_cap_per_area"),
            models.CheckConstraint(condition=~models.Q(area="hokkaido"), name="no_area_dr_cap_in_hokkaido"),
        ]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.cap_kw:,} kW"


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
