"""Auction reads. Auctions are public to every logged-in user; expected capacity is scoped to the user's operator."""

from django.db.models import Prefetch, QuerySet

from capacity_market.review import OPEN_STATUSES
from capacity_market.scoping import get_for_user_or_404, scope_to_user
from registration.models import Resource

from ..models import Auction, ExpectedCapacity, ExpectedCapacityApplication


def resources_with_status(*, user, auction: Auction) -> list[Resource]:
    """The user's operator's active resources, each with `expected_capacity` (approved, or None) and
    `open_application` (the open application for this auction, or None). Three queries, whatever the count."""
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
    for resource in resources:
        resource.expected_capacity = resource._approved[0] if resource._approved else None
        resource.open_application = resource._open[0] if resource._open else None
    return resources


def resource_get_for_user(*, user, pk) -> Resource:
    return get_for_user_or_404(Resource.objects.filter(is_active=True), user=user, pk=pk)






def qualified_for_user(*, user, auction: Auction) -> QuerySet[ExpectedCapacity]:
    """The user's operator's resources qualified (参加資格) for the auction, with their approved expected capacity."""
    return (scope_to_user(ExpectedCapacity.objects.filter(auction=auction), user=user, field="resource__operator")
            .select_related("resource").order_by("resource__grid_code", "pk"))
