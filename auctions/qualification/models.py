"""Expected capacity (期待容量) and the participation qualification (参加資格) it gives, per resource and auction."""

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from capacity_market import review
from capacity_market.review import ApplicationKind
from registration.choices import VARIABLE_CATEGORIES

from ..schedule.models import Auction, truncate_kw


def computed_expected_kw(installed_kw: int, factor: Decimal) -> int:
    return truncate_kw(Decimal(installed_kw) * Decimal(factor))


class ExpectedCapacityInfo(review.InfoFields):
    """The expected-capacity value and, for variable resources, the working it was computed with."""

    INFO_FIELDS = ("expected_kw",)

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
        return f"{self.auction} / {self.resource.grid_code} {self.resource.name}"


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
