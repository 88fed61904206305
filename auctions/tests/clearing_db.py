"""Helpers of the clearing-run tests: the toy case of domain.md §10 as bids in the database."""

from decimal import Decimal

from auctions.models import FixedSupplyItem
from tests.factories import AuctionFactory, BidFactory, ResourceFactory

TOY_BIDS = ((500, 0), (150, 3000), (100, 8000), (100, 12000), (100, 14000))


def toy_auction(operator, user, **overrides):
    """domain.md §10: curve (0, 15,000), (900, 15,000), (1,000, 10,000), (1,100, 0); fixed supply 200 kW (two
    items); bids 500 @ 0, 150 @ 3,000, 100 @ 8,000, 100 @ 12,000, 100 @ 14,000. The bid window closed yesterday
    (not closed by OCCTO yet). Returns (auction, bids).

    The toy's quantities are those of the worked example, far below real ones: its category threshold and smallest
    bid (auction parameters, 1,000 kW by default) are set to 100 kW, the smallest toy bid."""
    auction = AuctionFactory(bids_closed=True, net_cone=Decimal("10000"), q_upper_kw=900, target_kw=1000,
                             q_zero_kw=1100, dr_cap_kw=None, **{"threshold_kw": 100, "min_bid_kw": 100, **overrides})
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=150)
    FixedSupplyItem.objects.create(auction=auction, label="追加オークション向け", kw=50)
    bids = [
        BidFactory(auction=auction, resource=ResourceFactory(operator=operator, submitted_by=user, name=f"トイ電源{i}"),
                   quantity_kw=kw, price_yen=price, submitted_by=user)
        for i, (kw, price) in enumerate(TOY_BIDS, start=1)
    ]
    return auction, bids
