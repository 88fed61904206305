"""Bid reads (応札), scoped to the user's operator: another operator's bids and receipts answer 404."""

from django.db.models import QuerySet

from capacity_market.scoping import get_for_user_or_404, scope_to_user

from ..models import Auction, Bid, BidSubmission, BidVersion, ExpectedCapacity


def bid_rows_for_user(*, user, auction: Auction) -> list[ExpectedCapacity]:
    """The user's operator's qualified, active resources for the auction (the rows of the bid page), each
    `ExpectedCapacity` with its `resource` and `bid` (the stored bid, or None). Two queries, whatever the count."""
    rows = list(
        scope_to_user(ExpectedCapacity.objects.filter(auction=auction, resource__is_active=True), user=user,
                      field="resource__operator")
        .select_related("resource").order_by("resource__grid_code", "pk")
    )
    bids = {b.resource_id: b for b in bids_for_user(user=user, auction=auction)}
    for row in rows:
        row.bid = bids.get(row.resource_id)
    return rows


def bids_for_user(*, user, auction: Auction) -> QuerySet[Bid]:
    """The user's operator's bids (active and withdrawn) in the auction, with their resource and latest receipt."""
    return (scope_to_user(Bid.objects.filter(auction=auction), user=user)
            .select_related("resource", "submission").order_by("resource__grid_code", "pk"))


def has_bids(*, user, auction: Auction) -> bool:
    return scope_to_user(Bid.objects.filter(auction=auction), user=user).exists()


def bid_get_for_user(*, user, auction: Auction, pk) -> Bid:
    return get_for_user_or_404(Bid.objects.filter(auction=auction).select_related("auction", "resource",
                                                                                  "submission"),
                               user=user, pk=pk)


def bid_versions(*, bid: Bid) -> QuerySet[BidVersion]:
    """Every version of the bid, newest first, with who and under which receipt."""
    return bid.versions.select_related("created_by", "submission").order_by("-version")


def receipts_for_user(*, user, auction: Auction) -> QuerySet[BidSubmission]:
    """The operator's receipts for the auction, newest first."""
    return (scope_to_user(BidSubmission.objects.filter(auction=auction), user=user)
            .select_related("submitted_by").order_by("-accepted_at", "-pk"))


def receipt_get_for_user(*, user, pk) -> BidSubmission:
    return get_for_user_or_404(BidSubmission.objects.select_related("auction", "operator", "submitted_by"),
                               user=user, pk=pk)


def receipt_versions(*, submission: BidSubmission) -> QuerySet[BidVersion]:
    """The bid versions a receipt stored, by grid code."""
    return (BidVersion.objects.filter(submission=submission).select_related("bid__resource")
            .order_by("bid__resource__grid_code", "pk"))
