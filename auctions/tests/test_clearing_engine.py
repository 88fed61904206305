"""The clearing engine against the reference cases of domain.md §10 and clearing-format.md, and its properties."""

import hashlib
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auctions.clearing import (
    AREAS,
    Bid,
    DemandCurve,
    ShortBlock,
    clear,
    parse_input,
    serialise_result,
    upper_price,
)
from auctions.clearing.engine import AuctionInput, BidColumns, demand_points, supply_curve, to_decimal
from auctions.tests.clearing_support import (
    FY2025_CURVE,
    bid,
    document,
    encode,
    reference_clear,
    toy_document,
)


def run(doc) -> dict:
    """Parse, clear and serialise like the command does; return the parsed output."""
    return json.loads(serialise_result(clear(parse_input(encode(doc)))))


def sha(seed, bid_id):
    return hashlib.sha256(f"{seed}:{bid_id}".encode()).hexdigest()


# --- demand curve -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net_cone", "expected"), [(10013, "15019.5"), (10156, "15234"), (10075, "15112.5"), ("10075", "15112.5")]
)
def test_upper_price_is_one_and_a_half_net_cone_exactly(net_cone, expected):
    assert upper_price(net_cone) == Decimal(expected)


def test_upper_price_refuses_floats():
    with pytest.raises(TypeError):
        upper_price(10075.0)


def fy2025_curve():
    return DemandCurve(**FY2025_CURVE)


@pytest.mark.parametrize(
    ("quantity_kw", "expected"),
    [
        (189_389_998, "12593.75"),
        (192_809_210, "5037.5"),
        (0, "15112.5"),
        (188_813_656, "15112.5"),
        (189_966_340, "10075"),
        (195_652_080, "0"),
        (200_000_000, "0"),
    ],
)
def test_the_fy2025_demand_curve_gives_the_published_prices(quantity_kw, expected):
    price = fy2025_curve().price_at(quantity_kw)
    assert isinstance(price, Fraction)
    assert price == Fraction(expected)
    assert to_decimal(price) == Decimal(expected)


def test_the_demand_curve_is_exact_between_points():
    # One kW past Q_up: 15112.5 − 5037.5 / 1152684 — not representable as a float, kept exact.
    price = fy2025_curve().price_at(188_813_657)
    assert price == Fraction(30225, 2) - Fraction(10075, 2) / 1_152_684


def test_a_demand_curve_with_points_out_of_order_is_refused():
    with pytest.raises(ValueError, match="q_upper_kw < target_kw < q_zero_kw"):
        DemandCurve(upper_price="15112.5", q_upper_kw=1000, net_cone=10075, target_kw=900, q_zero_kw=1100)
    with pytest.raises(ValueError, match="net_cone"):
        DemandCurve(upper_price=100, q_upper_kw=900, net_cone=200, target_kw=1000, q_zero_kw=1100)


def test_the_chart_points_follow_the_curve_and_the_cleared_supply():
    doc = toy_document()
    auction = parse_input(encode(doc))
    result = clear(auction)
    assert demand_points(auction.demand_curve) == [(0, 15000), (900, 15000), (1000, 10000), (1100, 0)]
    assert supply_curve(auction, result) == [
        (200, 0),
        (700, 0),
        (850, 3000),
        (950, 8000),
        (1050, 12000),
        (1150, 14000),
    ]


# --- national clearing --------------------------------------------------------------------------------------


def test_the_toy_clearing_of_domain_10():
    out = run(toy_document())
    assert out["national_price"] == 12000
    assert [(a["id"], a["awarded_kw"]) for a in out["awards"]] == [
        ("T-1", 500),
        ("T-2", 150),
        ("T-3", 100),
        ("T-4", 100),
    ]
    assert [a["amount_yen"] for a in out["awards"]] == [6_000_000, 1_800_000, 1_200_000, 1_200_000]
    assert sum(a["amount_yen"] for a in out["awards"]) == 10_200_000
    assert out["awarded_kw"] == 850
    assert set(out["area_prices"].values()) == {12000}


def test_bids_of_the_clearing_price_after_the_crossing_bid_win_too():
    doc = toy_document()
    doc["bids"].append(bid("T-6", 100, 12000))
    out = run(doc)
    assert out["national_price"] == 12000
    assert "T-6" in {a["id"] for a in out["awards"]}
    assert out["awarded_kw"] == 950


def test_when_supply_never_reaches_the_curve_every_bid_wins_at_the_truncated_curve_price():
    # 200 + 500 + 350 = 1,050 kW; D(1,050) = 10075 × 50/100 = 5037.5 > 5000: no bid crosses.
    doc = document([bid("A", 500, 0), bid("B", 350, 5000)], fixed_supply_kw=200)
    out = run(doc)
    assert out["national_price"] == 5037
    assert [a["id"] for a in out["awards"]] == ["A", "B"]
    assert [a["paid_price"] for a in out["awards"]] == [5037, 5037]


def test_an_auction_without_bids_is_priced_on_the_fixed_supply():
    out = run(document([], fixed_supply_kw=1000))
    assert out["national_price"] == 10075
    assert out["awards"] == []
    assert out["awarded_kw"] == 0


def test_the_engine_takes_plain_tuples_and_bid_columns_alike():
    curve = DemandCurve(upper_price=15000, q_upper_kw=900, net_cone=10000, target_kw=1000, q_zero_kw=1100)
    rows = [
        Bid("T-1", "tokyo", "stable", 500, 0),
        ("T-2", "tokyo", "stable", 150, 3000),
        ("T-3", "tokyo", "stable", 100, 8000),
        ("T-4", "tokyo", "stable", 100, 12000),
        ("T-5", "tokyo", "stable", 100, 14000),
    ]
    columns = BidColumns(*(list(column) for column in zip(*rows, strict=True)))
    assert columns[1] == Bid("T-2", "tokyo", "stable", 150, 3000)
    assert columns[-2:] == [tuple(rows[3]), tuple(rows[4])]
    results = [clear(AuctionInput("TOY", curve, 200, "toy", bids)) for bids in (rows, columns)]
    assert results[0] == results[1]
    assert results[0].total_amount_yen == 10_200_000


# --- DR cap -------------------------------------------------------------------------------------------------


def test_the_dr_cap_keeps_dispatch_bids_in_price_order_and_excludes_the_rest():
    bids = [
        bid("D-cheap", 100, 1000, category="dispatch"),
        bid("D-dear", 100, 9000, category="dispatch"),
        bid("D-mid", 100, 5000, category="dispatch"),
        bid("D-small", 10, 9500, category="dispatch"),  # would fit under the cap, but comes after the cut
        bid("S", 800, 0),
    ]
    out = run(document(bids, dr_cap_kw=210))
    assert out["excluded_by_dr_cap"] == ["D-dear", "D-small"]
    assert "D-dear" not in {a["id"] for a in out["awards"]}


def test_dr_cap_ties_follow_the_seeded_order():
    ids = [f"DR-{k}" for k in range(8)]
    bids = [bid(bid_id, 100, 3000, category="dispatch") for bid_id in ids]
    outcomes = set()
    for seed in ("alpha", "beta", "gamma"):
        out = run(document(bids, dr_cap_kw=300, seed=seed))
        ranked = sorted(ids, key=lambda bid_id, seed=seed: sha(seed, bid_id))
        assert set(out["excluded_by_dr_cap"]) == set(ranked[3:])
        assert out["excluded_by_dr_cap"] == [bid_id for bid_id in ids if bid_id in ranked[3:]]  # input order
        assert {a["id"] for a in out["awards"]} == set(ranked[:3])
        outcomes.add(tuple(out["excluded_by_dr_cap"]))
    assert len(outcomes) > 1, "the seed decides the tie order"


def test_without_a_dr_cap_no_dispatch_bid_is_excluded():
    bids = [bid(f"DR-{k}", 100, 0, category="dispatch") for k in range(5)]
    out = run(document(bids, dr_cap_kw=None))
    assert out["excluded_by_dr_cap"] == []
    assert len(out["awards"]) == 5


# --- short blocks -------------------------------------------------------------------------------------------


def block_document(national, block_bid_price, *, additional_kw=10, adjacent="national", extra_blocks=()):
    """National price ``national`` (1,050 kW at that price crosses the small curve at 5037.5) and a
    Hokkaido short block whose only candidate is priced ``block_bid_price``."""
    bids = [
        bid("BASE", 1050, national),
        bid("H-win", 50, 0, area="hokkaido"),
        bid("H-1", 10, block_bid_price, "hokkaido"),
    ]
    blocks = [
        *extra_blocks,
        {"name": "north", "areas": ["hokkaido"], "additional_kw": additional_kw, "adjacent": adjacent},
    ]
    return document(bids, short_blocks=blocks)


@pytest.mark.parametrize(
    ("national", "expected"),
    [(5833, 8749), (8785, 13177), (12388, 15112)],
    ids=["1.5x5833=8749.5", "1.5x8785=13177.5", "1.5x12388-capped-at-P_up"],
)
def test_a_short_block_price_is_capped_at_one_and_a_half_times_its_neighbour_and_truncated(
    national, expected
):
    out = run(block_document(national, 15112))
    assert out["national_price"] == national
    assert out["area_prices"]["hokkaido"] == expected
    assert {area: price for area, price in out["area_prices"].items() if area != "hokkaido"} == dict.fromkeys(
        [a for a in AREAS if a != "hokkaido"], national
    )
    paid = {a["id"]: a["paid_price"] for a in out["awards"]}
    assert paid["H-1"] == 15112  # accepted above the block price: paid its own price
    assert paid["H-win"] == expected  # won nationally in a short-block area: paid the block price
    assert paid["BASE"] == national


def test_a_short_block_below_its_cap_is_priced_at_its_last_accepted_bid():
    bids = [
        bid("BASE", 1050, 6000),
        bid("K-1", 100, 7000, "kyushu"),
        bid("K-2", 100, 7500, "kyushu"),
        bid("K-3", 100, 7200, "kyushu"),
        bid("K-4", 100, 8000, "kyushu"),
    ]
    blocks = [{"name": "kyushu", "areas": ["kyushu"], "additional_kw": 150, "adjacent": "national"}]
    out = run(document(bids, short_blocks=blocks))
    # In price order K-1 (100 kW) then K-3 reaches 150 kW and is accepted in full; K-2 and K-4 lose.
    assert {a["id"]: a["paid_price"] for a in out["awards"]} == {"BASE": 6000, "K-1": 7200, "K-3": 7200}
    assert out["area_prices"]["kyushu"] == 7200
    assert out["awarded_kw"] == 1250


def test_a_short_block_next_to_another_block_is_capped_by_that_block_price():
    east = {"name": "east", "areas": ["tohoku", "tokyo"], "additional_kw": 10, "adjacent": "national"}
    doc = block_document(5000, 12000, adjacent="east", extra_blocks=[east])
    doc["bids"].append(bid("E-1", 10, 6000, "tohoku"))
    out = run(doc)
    assert out["national_price"] == 5000
    assert out["area_prices"]["tohoku"] == out["area_prices"]["tokyo"] == 6000
    assert out["area_prices"]["hokkaido"] == 9000  # min(12000, 1.5 × 6000)
    doc["short_blocks"][1]["adjacent"] = "national"
    assert run(doc)["area_prices"]["hokkaido"] == 7500  # min(12000, 1.5 × 5000)


def test_a_short_block_that_accepts_nothing_keeps_the_national_price():
    out = run(block_document(6000, 9000, additional_kw=0))
    assert out["area_prices"]["hokkaido"] == 6000
    assert "H-1" not in {a["id"] for a in out["awards"]}


def test_short_block_ties_follow_the_seeded_order():
    ids = [f"H-{k}" for k in range(6)]
    bids = [bid("BASE", 1100, 5000)] + [bid(bid_id, 10, 7000, "hokkaido") for bid_id in ids]
    blocks = [{"name": "north", "areas": ["hokkaido"], "additional_kw": 20}]
    for seed in ("one", "two"):
        out = run(document(bids, short_blocks=blocks, seed=seed))
        assert out["national_price"] == 5000
        ranked = sorted(ids, key=lambda bid_id, seed=seed: sha(seed, bid_id))
        assert {a["id"] for a in out["awards"]} - {"BASE"} == set(ranked[:2])


def test_excluded_dispatch_bids_are_not_short_block_candidates():
    bids = [
        bid("BASE", 1100, 5000),
        bid("H-dr", 10, 6000, "hokkaido", "dispatch"),
        bid("H-2", 10, 7000, "hokkaido"),
    ]
    blocks = [{"name": "north", "areas": ["hokkaido"], "additional_kw": 5}]
    out = run(document(bids, dr_cap_kw=0, short_blocks=blocks))
    assert out["national_price"] == 5000
    assert out["excluded_by_dr_cap"] == ["H-dr"]
    assert [a["id"] for a in out["awards"]] == ["BASE", "H-2"]
    assert out["area_prices"]["hokkaido"] == 7000


# --- properties ---------------------------------------------------------------------------------------------

BLOCK_AREAS = ["hokkaido", "tohoku", "tokyo", "kyushu"]


@st.composite
def auctions(draw):
    count = draw(st.integers(0, 25))
    prices = st.one_of(st.sampled_from([0, 0, 3000, 5037, 8000, 12000, 15112]), st.integers(0, 15112))
    bids = [
        bid(
            f"B{k}",
            draw(st.integers(1, 300)),
            draw(prices),
            draw(st.sampled_from(BLOCK_AREAS + ["kansai", "chubu"])),
            draw(st.sampled_from(["stable", "stable", "variable", "variable_aggregate", "dispatch"])),
        )
        for k in range(count)
    ]
    blocks = []
    if draw(st.booleans()):
        blocks.append(
            {"name": "east", "areas": ["tohoku", "tokyo"], "additional_kw": draw(st.integers(0, 400))}
        )
        if draw(st.booleans()):
            blocks.append(
                {
                    "name": "north",
                    "areas": ["hokkaido"],
                    "additional_kw": draw(st.integers(0, 200)),
                    "adjacent": draw(st.sampled_from(["national", "east"])),
                }
            )
    if draw(st.booleans()):
        blocks.append({"name": "kyushu", "areas": ["kyushu"], "additional_kw": draw(st.integers(0, 200))})
    return document(
        bids,
        fixed_supply_kw=draw(st.integers(0, 1200)),
        dr_cap_kw=draw(st.one_of(st.none(), st.integers(0, 600))),
        dr_caps_kw_by_area=draw(st.one_of(st.none(), st.dictionaries(
            st.sampled_from(["tohoku", "tokyo", "kyushu", "kansai", "chubu"]), st.integers(0, 300)))),
        short_blocks=blocks or None,
        seed=draw(st.sampled_from(["s1", "2025-main", "種"])),
    )


@settings(max_examples=300, deadline=None)
@given(auctions())
def test_the_engine_agrees_with_a_literal_reading_of_the_rule(doc):
    assert run(doc) == reference_clear(doc)


@settings(max_examples=200, deadline=None)
@given(auctions())
def test_every_award_is_priced_within_its_area_price_or_paid_its_own_price(doc):
    out = run(doc)
    price_of = {b["id"]: b["price"] for b in doc["bids"]}
    area_of = {b["id"]: b["area"] for b in doc["bids"]}
    for award in out["awards"]:
        own = price_of[award["id"]]
        assert own <= out["area_prices"][area_of[award["id"]]] or award["paid_price"] == own
        assert award["paid_price"] >= own


@settings(max_examples=200, deadline=None)
@given(auctions())
def test_no_loser_is_priced_at_or_below_the_national_price_unless_excluded_by_the_dr_cap(doc):
    out = run(doc)
    winners = {a["id"] for a in out["awards"]}
    excluded = set(out["excluded_by_dr_cap"])
    for b in doc["bids"]:
        if b["id"] not in winners:
            assert b["price"] > out["national_price"] or b["id"] in excluded
    assert not winners & excluded


@settings(max_examples=200, deadline=None)
@given(auctions(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_input_bids(doc, rng):
    out = run(doc)
    shuffled = dict(doc, bids=list(doc["bids"]))
    rng.shuffle(shuffled["bids"])
    out2 = run(shuffled)
    for key in ("national_price", "area_prices", "awarded_kw", "auction", "tie_break_seed"):
        assert out[key] == out2[key]
    assert sorted(out["awards"], key=lambda a: a["id"]) == sorted(out2["awards"], key=lambda a: a["id"])
    assert set(out["excluded_by_dr_cap"]) == set(out2["excluded_by_dr_cap"])
    order = [b["id"] for b in shuffled["bids"]]
    assert [a["id"] for a in out2["awards"]] == [i for i in order if i in {a["id"] for a in out2["awards"]}]


@settings(max_examples=100, deadline=None)
@given(auctions())
def test_the_same_input_gives_byte_identical_output(doc):
    first = serialise_result(clear(parse_input(encode(doc)))).encode()
    second = serialise_result(clear(parse_input(encode(json.loads(encode(doc)))))).encode()
    assert first == second
    assert first.endswith(b"}\n")


def _no_float(text):
    raise AssertionError(f"float in the output: {text}")


@settings(max_examples=200, deadline=None)
@given(auctions())
def test_amounts_add_up_and_the_output_holds_no_floats(doc):
    text = serialise_result(clear(parse_input(encode(doc))))
    out = json.loads(text, parse_float=_no_float)
    assert all(type(a[k]) is int for a in out["awards"] for k in ("awarded_kw", "paid_price", "amount_yen"))
    assert all(a["amount_yen"] == a["paid_price"] * a["awarded_kw"] for a in out["awards"])
    assert out["awarded_kw"] == sum(a["awarded_kw"] for a in out["awards"])
    result = clear(parse_input(encode(doc)))
    assert result.total_amount_yen == sum(a["paid_price"] * a["awarded_kw"] for a in out["awards"])
    assert list(out) == [
        "auction",
        "national_price",
        "area_prices",
        "awarded_kw",
        "awards",
        "excluded_by_dr_cap",
        "tie_break_seed",
    ]
    assert list(out["area_prices"]) == list(AREAS)


def test_a_large_random_auction_agrees_with_the_literal_reading():
    rng = random.Random(7)
    bids = [
        bid(
            f"R-{k:05d}",
            rng.randint(1, 40),
            0 if rng.random() < 0.8 else rng.choice([rng.randint(1, 15112), 12000, 14000]),
            rng.choice(AREAS),
            rng.choice(["stable", "stable", "stable", "dispatch"]),
        )
        for k in range(3000)
    ]
    blocks = [
        {"name": "east", "areas": ["tohoku", "tokyo"], "additional_kw": 300},
        {"name": "north", "areas": ["hokkaido"], "additional_kw": 100, "adjacent": "east"},
        {"name": "kyushu", "areas": ["kyushu"], "additional_kw": 150},
    ]
    curve = {
        "upper_price": "15112.5",
        "q_upper_kw": 52000,
        "net_cone": "10075",
        "target_kw": 53000,
        "q_zero_kw": 56000,
    }
    doc = document(bids, curve=curve, fixed_supply_kw=10000, dr_cap_kw=6000, short_blocks=blocks, seed="big")
    out = run(doc)
    assert out == reference_clear(doc)
    assert out["excluded_by_dr_cap"], "the DR cap binds"
    assert len(set(out["area_prices"].values())) > 1, "the short blocks split the market"


def test_short_blocks_and_results_are_plain_values():
    block = ShortBlock("north", ("hokkaido",), 10)
    assert block.adjacent == "national"
    result = clear(parse_input(encode(toy_document())))
    assert result.block_prices == {}
    assert result.excluded_by_dr_cap == []
