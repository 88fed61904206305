"""Helpers of the clearing-run tests: an auction whose bid window has closed, and the toy case of domain.md §10 as
bids in the database."""

from decimal import Decimal

from auctions.models import FixedSupplyItem

from .conftest import jst, make_auction, make_bid, make_resource


def closed_auction(**overrides):
    """An auction whose bid window closed yesterday 18:00 JST (the suite's clock is Wed 2026-11-25 10:00 JST)."""
    values = {
        "registration_opens_at": jst(2026, 9, 1, 9, 0),
        "expected_capacity_deadline": jst(2026, 9, 20, 18, 0),
        "registration_closes_at": jst(2026, 9, 30, 18, 0),
        "bid_opens_at": jst(2026, 11, 16, 9, 0),
        "bid_closes_at": jst(2026, 11, 24, 18, 0),
        "clearing_at": jst(2026, 11, 26, 9, 0),
        "publication_at": jst(2026, 12, 16, 9, 0),
        "contract_conclusion_at": jst(2027, 1, 29, 9, 0),
    }
    values.update(overrides)
    return make_auction(**values)


TOY_BIDS = ((500, 0), (150, 3000), (100, 8000), (100, 12000), (100, 14000))


def toy_auction(operator, user, **overrides):
    """domain.md §10: curve (0, 15,000), (900, 15,000), (1,000, 10,000), (1,100, 0); fixed supply 200 kW (two
    items); bids 500 @ 0, 150 @ 3,000, 100 @ 8,000, 100 @ 12,000, 100 @ 14,000. Returns (auction, bids)."""
    auction = closed_auction(net_cone=Decimal("10000"), q_upper_kw=900, target_kw=1000, q_zero_kw=1100,
                             dr_cap_kw=None, **overrides)
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=150)
    FixedSupplyItem.objects.create(auction=auction, label="追加オークション向け", kw=50)
    bids = [
        make_bid(auction, make_resource(operator, name=f"トイ電源{i}"), quantity_kw=kw, price_yen=price, user=user)
        for i, (kw, price) in enumerate(TOY_BIDS, start=1)
    ]
    return auction, bids
