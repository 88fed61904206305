"""Auction reads: the list and one auction (whether its results are published, for the stage label)."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from capacity_market.ordering import area_rank

from ..models import AdjustmentFactor, Auction
from ..results.selectors import published_runs
from .models import adjustment_factor_order


def _with_results_published(qs: QuerySet[Auction]) -> QuerySet[Auction]:
    """Each auction with `results_published`: whether a clearing run of it is published (in the same query)."""
    return qs.annotate(results_published=Exists(published_runs().filter(auction=OuterRef("pk"))))


def auction_list() -> QuerySet[Auction]:
    return _with_results_published(Auction.objects.order_by("-registration_opens_at", "-pk"))


def area_dr_caps(auction: Auction) -> list:
    """The auction's DR caps by area (additional auctions), in the order of the areas (北海道 → 九州)."""
    return sorted(auction.area_dr_caps.all(), key=lambda cap: area_rank(cap.area))


def auction_get(*, pk) -> Auction:
    return get_object_or_404(
        _with_results_published(Auction.objects.prefetch_related(
            Prefetch("adjustment_factors", queryset=AdjustmentFactor.objects.order_by(*adjustment_factor_order())),
            "fixed_supply_items", "deduction_coefficients")),
        pk=pk,
    )
