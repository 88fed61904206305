"""Helpers of the results tests: a clearing run stored from the pure engine's result, without the clearing service.

`store_run` clears the auction's active bids with `auctions.clearing.clear` and writes a `ClearingRun` and one
`ClearingOutcome` per bid, as the clearing service does; `publish=True` also sets `published_at`. The results
pages are tested on these rows only, so they do not depend on how runs are started or published.
"""

from __future__ import annotations

from django.utils import timezone

from auctions.clearing import AuctionInput, DemandCurve, ShortBlock, clear
from auctions.models import Bid, ClearingOutcome, ClearingRun, ClearingRunStatus
from tests.factories import AuctionFactory

# A small demand curve with the FY2025 prices: P_up up to 400,000 kW, Net CONE at 500,000 kW, 0 at 600,000 kW.
SMALL_CURVE = {"net_cone": "10075", "q_upper_kw": 400_000, "target_kw": 500_000, "q_zero_kw": 600_000}


def small_auction(**overrides):
    return AuctionFactory(**{**SMALL_CURVE, "dr_cap_kw": None, **overrides})


def store_run(auction, *, started_by, publish: bool = False, fixed_supply_kw: int = 100_000, seed: str = "seed",
              short_blocks: list[dict] | None = None) -> ClearingRun:
    """Clear the auction's active bids with the engine and store the run and its outcomes."""
    bids = list(Bid.objects.filter(auction=auction, status="active").order_by("pk"))
    blocks = [ShortBlock(name=b["name"], areas=tuple(b["areas"]), additional_kw=b["additional_kw"],
                         adjacent=b.get("adjacent", "national")) for b in short_blocks or []]
    curve = {"upper_price": str(auction.upper_price), "q_upper_kw": auction.q_upper_kw,
             "net_cone": str(auction.net_cone.normalize()), "target_kw": auction.target_kw,
             "q_zero_kw": auction.q_zero_kw}
    result = clear(AuctionInput(
        auction=auction.code, demand_curve=DemandCurve(**curve), fixed_supply_kw=fixed_supply_kw,
        tie_break_seed=seed, dr_cap_kw=auction.dr_cap_kw, short_blocks=blocks,
        bids=[(b.bid_code, b.area, b.category, b.quantity_kw, b.price_yen) for b in bids],
    ))
    now = timezone.now()
    run = ClearingRun.objects.create(
        auction=auction, status=ClearingRunStatus.PUBLISHED if publish else ClearingRunStatus.SUCCEEDED,
        progress=100, tie_break_seed=seed,
        input_summary={"auction": auction.code, "demand_curve": curve, "fixed_supply_kw": fixed_supply_kw,
                       "dr_cap_kw": auction.dr_cap_kw, "tie_break_seed": seed,
                       "short_blocks": [b._asdict() | {"areas": list(b.areas)} for b in blocks],
                       "bid_count": len(bids)},
        bid_count=len(bids), national_price=result.national_price, area_prices=dict(result.area_prices),
        awarded_kw=result.awarded_kw, total_amount_yen=result.total_amount_yen, started_by=started_by,
        started_at=now, finished_at=now,
        published_at=now if publish else None, published_by=started_by if publish else None,
    )
    awards = {award[0]: award for award in result.awards}
    excluded = set(result.excluded_by_dr_cap)
    ClearingOutcome.objects.bulk_create([
        ClearingOutcome(
            run=run, bid=b, operator_id=b.operator_id, area=b.area, category=b.category,
            quantity_kw=b.quantity_kw, price_yen=b.price_yen,
            awarded_kw=awards[b.bid_code][1] if b.bid_code in awards else 0,
            paid_price=awards[b.bid_code][2] if b.bid_code in awards else None,
            amount_yen=awards[b.bid_code][3] if b.bid_code in awards else 0,
            excluded_by_dr_cap=b.bid_code in excluded,
        ) for b in bids
    ])
    return run

