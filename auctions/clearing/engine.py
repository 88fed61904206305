"""The clearing engine (約定処理): a pure function from an auction's bids to its result.

This module implements the rule of ``docs/clearing-format.md`` (shared docs) exactly. It has no Django, no
database and no floats: prices of the demand curve are :class:`~fractions.Fraction`, bid prices, quantities,
paid prices and amounts are ``int``. The same input always gives the same result.

Why it is fast (see ``docs/performance.md``):

* National clearing does not sort the bids. The clearing price only depends on the total kW offered at each
  price: within a run of bids of equal price the cumulative supply grows and D(q) never rises, so a run
  contains a bid i with D(S_i) ≤ p_i exactly when D(S) ≤ p at the end of the run. The engine therefore sums
  kW per distinct price (at most P_up + 1 of them) and walks those sums.
* The seeded tie order (SHA-256 of ``"<seed>:<id>"``) only matters where bids are taken one by one: the DR caps
  (dispatch bids: the national cap, then each area's) and short blocks (the losers of their areas). Tie keys are
  computed once, for those bids only.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

# The area and category codes are defined once, for the engine, registration and the CSV files.
from capacity_market.market_codes import AREAS, DISPATCH

NATIONAL = "national"

Price = int | Decimal | Fraction | str


def exact(value: Price) -> Fraction:
    """An exact rational from an int, Decimal, Fraction or decimal string (never a float)."""
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass an int, Decimal, Fraction or decimal string")
    return Fraction(value)


def upper_price(net_cone: Price) -> Decimal:
    """P_up = 1.5 × Net CONE, exactly (it may end in .5): 10,075 → 15,112.5."""
    value = exact(net_cone) * Fraction(3, 2)
    # 1.5 × a decimal is a decimal: the exact quotient has a terminating expansion.
    return Decimal(value.numerator) / Decimal(value.denominator)


def to_decimal(value: Fraction) -> Decimal:
    """A terminating fraction as an exact Decimal (for display); e.g. 25187/2 → Decimal('12593.5')."""
    numerator, denominator = value.numerator, value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    places = max(twos, fives)
    return Decimal(numerator * 10**places // value.denominator).scaleb(-places)


class DemandCurve:
    """D(q): P_up up to q_upper, straight lines through (target, Net CONE) to (q_zero, 0), 0 beyond."""

    __slots__ = ("net_cone", "q_upper_kw", "q_zero_kw", "target_kw", "upper_price")

    def __init__(
        self, *, upper_price: Price, q_upper_kw: int, net_cone: Price, target_kw: int, q_zero_kw: int
    ) -> None:
        self.upper_price = exact(upper_price)
        self.net_cone = exact(net_cone)
        self.q_upper_kw = q_upper_kw
        self.target_kw = target_kw
        self.q_zero_kw = q_zero_kw
        if not (q_upper_kw < target_kw < q_zero_kw):
            raise ValueError("the demand curve needs q_upper_kw < target_kw < q_zero_kw")
        if not (0 <= self.net_cone <= self.upper_price):
            raise ValueError("the demand curve needs 0 ≤ net_cone ≤ upper_price")

    def price_at(self, q: int | Fraction) -> Fraction:
        """The demand price at cumulative supply q kW, exactly."""
        if q <= self.q_upper_kw:
            return self.upper_price
        if q <= self.target_kw:
            return self.upper_price + (self.net_cone - self.upper_price) * Fraction(
                q - self.q_upper_kw, self.target_kw - self.q_upper_kw
            )
        if q <= self.q_zero_kw:
            return self.net_cone * Fraction(self.q_zero_kw - q, self.q_zero_kw - self.target_kw)
        return Fraction(0)

    def __repr__(self) -> str:
        return (
            f"DemandCurve(upper_price={self.upper_price}, q_upper_kw={self.q_upper_kw}, "
            f"net_cone={self.net_cone}, target_kw={self.target_kw}, q_zero_kw={self.q_zero_kw})"
        )


class Bid(NamedTuple):
    """One bid. A plain tuple ``(id, area, category, quantity_kw, price)`` is accepted wherever a Bid is."""

    id: str
    area: str
    category: str
    quantity_kw: int
    price: int


class BidColumns(Sequence):
    """Bids held as five parallel columns (what the file parser builds): a read-only sequence of bid tuples.

    The engine reads the columns directly instead of splitting 600,000 tuples into them again.
    """

    __slots__ = ("areas", "categories", "ids", "prices", "quantities")

    def __init__(
        self,
        ids: Sequence[str],
        areas: Sequence[str],
        categories: Sequence[str],
        quantities: Sequence[int],
        prices: Sequence[int],
    ) -> None:
        if not len(ids) == len(areas) == len(categories) == len(quantities) == len(prices):
            raise ValueError("bid columns must have the same length")
        self.ids, self.areas, self.categories = ids, areas, categories
        self.quantities, self.prices = quantities, prices

    def columns(self) -> tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[int], Sequence[int]]:
        return self.ids, self.areas, self.categories, self.quantities, self.prices

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Bid(
            self.ids[index],
            self.areas[index],
            self.categories[index],
            self.quantities[index],
            self.prices[index],
        )


class ShortBlock(NamedTuple):
    """A short block (不足ブロック) from OCCTO's reliability analysis."""

    name: str
    areas: tuple[str, ...]
    additional_kw: int
    adjacent: str = NATIONAL


class Award(NamedTuple):
    id: str
    awarded_kw: int
    paid_price: int
    amount_yen: int


@dataclass(frozen=True, slots=True)
class AuctionInput:
    auction: str
    demand_curve: DemandCurve
    fixed_supply_kw: int
    tie_break_seed: str
    bids: Sequence[Bid | tuple[str, str, str, int, int]]  # or BidColumns
    dr_cap_kw: int | None = None
    short_blocks: Sequence[ShortBlock] = ()
    # Additional auctions: area → that area's DR cap in kW (each area's H3 × 1 %, Hokkaido excluded); areas not
    # listed have none. None or empty: no area cap.
    dr_caps_kw_by_area: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class ClearingResult:
    auction: str
    national_price: int
    area_prices: Mapping[str, int]  # all nine areas, in AREAS order
    block_prices: Mapping[str, int]  # short block name → block price, in the order given
    awarded_kw: int
    # Winning bids only, in input order, as plain tuples (id, awarded_kw, paid_price, amount_yen) — the fields
    # of Award (``Award._make(t)`` names them); plain tuples keep 600,000 awards cheap.
    awards: list[tuple[str, int, int, int]]
    excluded_by_dr_cap: list[str]  # bid ids, in input order
    tie_break_seed: str

    @property
    def total_amount_yen(self) -> int:
        return sum([award[3] for award in self.awards])


def tie_keyer(seed: str):
    """The tie key of a bid id: SHA-256 of ``"<seed>:<id>"`` (UTF-8). Digest bytes sort like the hex digest."""
    prefix = f"{seed}:".encode()
    sha256 = hashlib.sha256

    def key(bid_id: str) -> bytes:
        return sha256(prefix + bid_id.encode()).digest()

    return key


def national_price(curve: DemandCurve, fixed_supply_kw: int, supply_by_price: Mapping[int, int]):
    """Step 4 on aggregated supply: ``(price, crossed)``.

    ``crossed`` is False when no bid i has D(S_i) ≤ p_i; then every bid wins and the price is trunc(D(S_N)).
    """
    supply = fixed_supply_kw
    price_at = curve.price_at
    for price in sorted(supply_by_price):
        supply += supply_by_price[price]
        if price_at(supply) <= price:
            return price, True
    return math.floor(price_at(supply)), False


def _first_over(ranked: Sequence[int], quantities: Sequence[int], cap_kw: int) -> int:
    """The position in ``ranked`` of the first bid that takes the running total of kept kW over ``cap_kw``
    (``len(ranked)`` when none does): that bid and every later one are excluded (clearing-format.md step 3)."""
    kept_kw = 0
    for position, i in enumerate(ranked):
        kept_kw += quantities[i]
        if kept_kw > cap_kw:
            return position
    return len(ranked)


def clear(auction: AuctionInput) -> ClearingResult:
    """Clear an auction by the rule of clearing-format.md."""
    bids = auction.bids
    curve = auction.demand_curve
    tie_key = tie_keyer(auction.tie_break_seed)
    # Columns: one C-level pass; the per-bid loops below then run over plain tuples of ints and strings.
    if isinstance(bids, BidColumns):
        ids, areas, categories, quantities, prices = bids.columns()
    else:
        ids, areas, categories, quantities, prices = zip(*bids, strict=True) if bids else ((),) * 5

    # Step 3: the DR caps on dispatch bids, in (price, tie order): the national cap first, then each area's cap on
    # that area's remaining dispatch bids. The first bid that would take a kept total over its cap, and every later
    # dispatch bid (of the nation, or of that area), is excluded.
    excluded: list[int] = []
    area_caps = auction.dr_caps_kw_by_area
    if auction.dr_cap_kw is not None or area_caps:
        dispatch = [i for i, category in enumerate(categories) if category == DISPATCH]
        dispatch.sort(key=lambda i: (prices[i], tie_key(ids[i])))
        if auction.dr_cap_kw is not None:
            over = _first_over(dispatch, quantities, auction.dr_cap_kw)
            excluded, dispatch = dispatch[over:], dispatch[:over]
        if area_caps:
            remaining_by_area: dict[str, list[int]] = {}
            for i in dispatch:  # still in (price, tie order)
                remaining_by_area.setdefault(areas[i], []).append(i)
            for area, cap in area_caps.items():
                of_area = remaining_by_area.get(area, [])
                excluded.extend(of_area[_first_over(of_area, quantities, cap):])
        excluded.sort()

    # Step 4: national clearing on the kW offered at each price.
    supply_by_price: dict[int, int] = {}
    get = supply_by_price.get
    for bid_price, quantity in zip(prices, quantities, strict=True):
        supply_by_price[bid_price] = get(bid_price, 0) + quantity
    if excluded:
        # Take the excluded bids out; a price none of whose bids remain is no step of the supply curve.
        remaining = Counter(prices)
        for i in excluded:
            supply_by_price[prices[i]] -= quantities[i]
            remaining[prices[i]] -= 1
        for bid_price in {prices[i] for i in excluded}:
            if not remaining[bid_price]:
                del supply_by_price[bid_price]
    price, _crossed = national_price(curve, auction.fixed_supply_kw, supply_by_price)
    # Every remaining bid priced ≤ the national price won in step 4. When nothing crossed, that is every bid:
    # the highest price p_max had D(S_N) > p_max, so trunc(D(S_N)) ≥ p_max.
    won = [bid_price <= price for bid_price in prices]
    for i in excluded:
        won[i] = False

    # Step 5: short blocks, in the order given.
    area_prices = dict.fromkeys(AREAS, price)
    block_prices: dict[str, int] = {}
    if auction.short_blocks:
        excluded_set = set(excluded)
        losers_by_area: dict[str, list[int]] = {}
        for i, bid_price in enumerate(prices):
            if bid_price > price and i not in excluded_set:
                losers_by_area.setdefault(areas[i], []).append(i)
        upper = curve.upper_price
        for block in auction.short_blocks:
            adjacent = price if block.adjacent == NATIONAL else block_prices[block.adjacent]
            cap = min(Fraction(3, 2) * adjacent, upper)
            candidates = [i for area in block.areas for i in losers_by_area.get(area, ())]
            candidates.sort(key=lambda i: (prices[i], tie_key(ids[i])))
            taken_kw = 0
            last_price = None
            for i in candidates:
                if taken_kw >= block.additional_kw:
                    break
                won[i] = True
                taken_kw += quantities[i]
                last_price = prices[i]
            block_price = price if last_price is None else max(price, min(last_price, math.floor(cap)))
            block_prices[block.name] = block_price
            for area in block.areas:
                area_prices[area] = block_price

    # Step 6: payments, in input order. A winner is paid max(area price, own price): in an area outside the
    # short blocks every winner is priced ≤ the national price, so that is the national price there.
    if block_prices:
        awards = [
            (bid_id, quantity, paid, paid * quantity)
            for bid_id, area, quantity, bid_price, wins in zip(
                ids, areas, quantities, prices, won, strict=True
            )
            if wins
            for paid in (max(area_prices[area], bid_price),)
        ]
    else:
        awards = [
            (bid_id, quantity, price, price * quantity)
            for bid_id, quantity, wins in zip(ids, quantities, won, strict=True)
            if wins
        ]

    return ClearingResult(
        auction=auction.auction,
        national_price=price,
        area_prices=area_prices,
        block_prices=block_prices,
        awarded_kw=sum([award[1] for award in awards]),
        awards=awards,
        excluded_by_dr_cap=[ids[i] for i in excluded],
        tie_break_seed=auction.tie_break_seed,
    )


def supply_curve(auction: AuctionInput, result: ClearingResult) -> list[tuple[int, int]]:
    """The stepped supply curve that cleared nationally: ``(cumulative kW, price)`` at the end of each price step.

    Starts at the fixed supply; excludes the bids removed by the DR cap. For the results chart.
    """
    excluded = set(result.excluded_by_dr_cap)
    supply_by_price: dict[int, int] = {}
    for bid in auction.bids:
        if bid[0] not in excluded:
            supply_by_price[bid[4]] = supply_by_price.get(bid[4], 0) + bid[3]
    points = [(auction.fixed_supply_kw, 0)]
    total = auction.fixed_supply_kw
    for price in sorted(supply_by_price):
        total += supply_by_price[price]
        points.append((total, price))
    return points


def demand_points(curve: DemandCurve) -> list[tuple[int, Fraction]]:
    """The four corners of the demand curve, for the results chart."""
    return [
        (0, curve.upper_price),
        (curve.q_upper_kw, curve.upper_price),
        (curve.target_kw, curve.net_cone),
        (curve.q_zero_kw, Fraction(0)),
    ]
