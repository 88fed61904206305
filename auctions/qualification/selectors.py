"""Auction reads. Auctions are public to every logged-in user; expected capacity is scoped to the user's operator."""

from django.db.models import Prefetch, QuerySet

from capacity_market.review import OPEN_STATUSES
from capacity_market.scoping import get_for_user_or_404, scope_to_user
from registration.models import Resource

from ..models import Auction, AuctionKind, ExpectedCapacity, ExpectedCapacityApplication
from .services import ineligible_reasons


def resources_with_status(*, user, auction: Auction) -> list[Resource]:
    """The user's operator's active resources, each with `expected_capacity` (approved, or None) and
    `open_application` (the open application for this auction, or None) and `ineligible_reason` (why it may not
    take part, or None). Three queries (five in an additional auction), whatever the count."""
    resources = list(
        scope_to_user(Resource.objects.filter(is_active=True), user=user).order_by("grid_code", "pk")
        .prefetch_related(
            Prefetch("expected_capacities", queryset=ExpectedCapacity.objects.filter(auction=auction),
                     to_attr="_approved"),
            Prefetch("expected_capacity_applications",
                     queryset=ExpectedCapacityApplication.objects.filter(auction=auction, status__in=OPEN_STATUSES),
                     to_attr="_open"),
        )
    )
    reasons = ineligible_reasons(auction=auction, resource_ids=[resource.pk for resource in resources])
    for resource in resources:
        resource.expected_capacity = resource._approved[0] if resource._approved else None
        resource.open_application = resource._open[0] if resource._open else None
        resource.ineligible_reason = reasons.get(resource.pk)
    return resources


def ineligible_resources_for_user(*, user, auction: Auction) -> list[Resource]:
    """The user's operator's active resources that may not take part in the auction, each with `ineligible_reason`
    (additional auctions: the winners of the main auction of the same delivery year). None, and no query, in a main
    auction."""
    if auction.kind != AuctionKind.ADDITIONAL:
        return []
    resources = list(scope_to_user(Resource.objects.filter(is_active=True), user=user).order_by("grid_code", "pk"))
    reasons = ineligible_reasons(auction=auction, resource_ids=[resource.pk for resource in resources])
    ineligible = [resource for resource in resources if resource.pk in reasons]
    for resource in ineligible:
        resource.ineligible_reason = reasons[resource.pk]
    return ineligible


def with_ineligible_reasons(rows: list, *, auction: Auction) -> list:
    """Rows with a `resource_id` (qualifications, bid rows), each given `ineligible_reason` (None: may take part)."""
    reasons = ineligible_reasons(auction=auction, resource_ids=[row.resource_id for row in rows])
    for row in rows:
        row.ineligible_reason = reasons.get(row.resource_id)
    return rows


def resource_get_for_user(*, user, pk) -> Resource:
    return get_for_user_or_404(Resource.objects.filter(is_active=True), user=user, pk=pk)






def qualified_for_user(*, user, auction: Auction) -> QuerySet[ExpectedCapacity]:
    """The user's operator's resources qualified (参加資格) for the auction, with their approved expected capacity."""
    return (scope_to_user(ExpectedCapacity.objects.filter(auction=auction), user=user, field="resource__operator")
            .select_related("resource").order_by("resource__grid_code", "pk"))
