"""Auction reads. Auctions are public to every logged-in user; expected capacity is scoped to the user's operator."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

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


@dataclass(frozen=True)
class ResourceAuctionRow:
    """One auction on a resource's page: the approved expected capacity (the qualification) or None, the latest
    expected-capacity application or None, and whether the expected-capacity window is open by the clock now."""

    auction: Auction
    expected_capacity: ExpectedCapacity | None
    application: ExpectedCapacityApplication | None
    window_open: bool
    ineligible_reason: str | None = None  # an additional auction the resource may not take part in: why

    @property
    def can_apply(self) -> bool:
        return (self.window_open and self.ineligible_reason is None
                and (self.application is None or not self.application.is_open))


def auctions_for_resource(*, resource: Resource, now=None) -> list[ResourceAuctionRow]:
    """The auctions a resource has an expected capacity or an application in, and those whose expected-capacity
    window is open by the clock, newest first. Three queries, whatever the number of auctions and applications,
    plus two per additional auction listed (whether the resource won the main auction of its year). The caller has
    already scoped the resource to the user."""
    now = now or timezone.now()
    approved = {ec.auction_id: ec for ec in ExpectedCapacity.objects.filter(resource=resource)}
    latest = {application.auction_id: application for application in (
        ExpectedCapacityApplication.objects.filter(resource=resource)
        .order_by("auction_id", "-created_at", "-pk").distinct("auction_id"))}
    wanted = Q(pk__in={*approved, *latest})
    if resource.is_active:  # a deleted resource cannot apply any more: only its history
        wanted |= Q(registration_opens_at__lte=now, expected_capacity_deadline__gt=now, registration_closes_at__gt=now)
    auctions = Auction.objects.filter(wanted)
    return [
        ResourceAuctionRow(
            auction=auction, expected_capacity=approved.get(auction.pk), application=latest.get(auction.pk),
            window_open=resource.is_active and auction.phase_state(now, service_open=True).expected_capacity_by_clock,
            ineligible_reason=(ineligible_reasons(auction=auction, resource_ids=[resource.pk]).get(resource.pk)
                               if auction.kind == AuctionKind.ADDITIONAL else None),
        )
        for auction in auctions.order_by("-registration_opens_at", "-pk")
    ]
