"""Clearing runs inside the system (約定処理): short blocks entered by OCCTO, each run and every bid's outcome."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from capacity_market.ordering import by_area
from capacity_market.state_machine import StateMachine
from registration.choices import Area

from ..bidding.models import Bid
from ..schedule.models import Auction


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

    @property
    def area_labels(self) -> list[str]:
        """The block's areas by name, north to south (北海道 → 九州), as screens show them."""
        labels = dict(Area.choices)
        return [str(labels.get(code, code)) for code in by_area(self.areas)]

    @property
    def adjacent_label(self) -> str:
        """The adjacent block's name, or 全国 for the national price."""
        return str(_("national")) if self.adjacent == "national" else self.adjacent


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
    # The moves of a run (`auctions.clearing.services`), each through `states.transition` and audited: the task
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

    @property
    def result_label(self) -> str:
        """落札 / 非落札 / DR上限により除外, in the active language: the results page and the awards CSV say the same."""
        if self.is_awarded:
            return str(_("Awarded"))
        return str(_("Excluded by the DR cap") if self.excluded_by_dr_cap else _("Not awarded"))
