"""The DR caps by area of additional auctions (`dr_caps_kw_by_area`, clearing-format.md step 3) in the engine, its
file format and `manage.py clear_auction`: alone, after the national cap, with short blocks, replayed byte for
byte, and against the literal reading of the rule (`clearing_support.reference_clear`) on seeded random auctions."""

import hashlib
import json
import os
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from auctions.clearing import AREAS, clear, input_document, parse_input, serialise_input, serialise_result
from auctions.tests.clearing_support import bid, document, encode, reference_clear

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def run(doc) -> dict:
    """Parse, clear and serialise like the command does; return the parsed output."""
    return json.loads(serialise_result(clear(parse_input(encode(doc)))))


def awarded(out) -> set[str]:
    return {a["id"] for a in out["awards"]}


def dr(bid_id, kw, price, area):
    return bid(bid_id, kw, price, area, "dispatch")


# --- the rule --------------------------------------------------------------------------------------------------------
def test_an_area_cap_keeps_the_area_s_dispatch_bids_in_price_order_and_excludes_the_rest():
    bids = [
        dr("T-cheap", 100, 1000, "tokyo"),
        dr("T-dear", 60, 3000, "tokyo"),  # 100 + 60 > 150: excluded …
        dr("T-small", 10, 4000, "tokyo"),  # … and every later Tokyo dispatch bid, though 110 would fit
        dr("K-1", 500, 2000, "kansai"),  # Kansai has no cap listed: untouched
        dr("H-1", 400, 2000, "hokkaido"),
        bid("T-stable", 300, 500, "tokyo"),  # not a dispatch bid: untouched
        bid("BASE", 100, 0),
    ]
    out = run(document(bids, dr_caps_kw_by_area={"tokyo": 150}))
    assert out["excluded_by_dr_cap"] == ["T-dear", "T-small"]  # input order
    assert awarded(out) == {"T-cheap", "K-1", "H-1", "T-stable", "BASE"}


def test_an_area_cap_counts_only_that_area_and_a_cap_equal_to_the_total_keeps_every_bid():
    bids = [dr("A", 100, 0, "tohoku"), dr("B", 50, 10, "tohoku"), dr("C", 1000, 0, "tokyo")]
    out = run(document(bids, dr_caps_kw_by_area={"tohoku": 150, "tokyo": 999}))
    assert out["excluded_by_dr_cap"] == ["C"]
    out = run(document(bids, dr_caps_kw_by_area={"tohoku": 149, "tokyo": 1000}))
    assert out["excluded_by_dr_cap"] == ["B"]


def test_a_zero_area_cap_excludes_every_dispatch_bid_of_the_area_and_no_caps_exclude_nothing():
    bids = [dr("A", 1, 0, "kyushu"), dr("B", 1, 0, "kyushu"), dr("C", 1, 0, "chubu")]
    assert run(document(bids, dr_caps_kw_by_area={"kyushu": 0}))["excluded_by_dr_cap"] == ["A", "B"]
    assert run(document(bids, dr_caps_kw_by_area={}))["excluded_by_dr_cap"] == []
    assert run(document(bids, dr_caps_kw_by_area=None))["excluded_by_dr_cap"] == []


def test_area_cap_ties_follow_the_seeded_order():
    ids = [f"DR-{k}" for k in range(8)]
    bids = [dr(bid_id, 100, 3000, "tokyo") for bid_id in ids]
    seen = set()
    for seed in ("alpha", "beta", "gamma"):
        out = run(document(bids, dr_caps_kw_by_area={"tokyo": 300}, seed=seed))
        ranked = sorted(ids, key=lambda bid_id, seed=seed: hashlib.sha256(f"{seed}:{bid_id}".encode()).hexdigest())
        assert out["excluded_by_dr_cap"] == [bid_id for bid_id in ids if bid_id in ranked[3:]]
        seen.add(tuple(out["excluded_by_dr_cap"]))
    assert len(seen) > 1, "the seed decides the tie order"


def test_the_national_cap_comes_first_and_each_area_cap_applies_to_what_remains():
    bids = [
        dr("T-1", 100, 0, "tokyo"),
        dr("O-1", 100, 500, "tohoku"),
        dr("T-2", 100, 1000, "tokyo"),  # 300 > 250 nationally: excluded by the national cap …
        dr("O-2", 10, 2000, "tohoku"),  # … and every later dispatch bid
        dr("O-0", 60, 100, "tohoku"),
        bid("BASE", 100, 0),
    ]
    # Nationally in price order: T-1 100, O-0 160, O-1 260 > 250 → O-1, T-2, O-2 out.
    assert run(document(bids, dr_cap_kw=250))["excluded_by_dr_cap"] == ["O-1", "T-2", "O-2"]
    # Then Tohoku's cap of 50 on what remains of Tohoku (O-0 only): O-0 out too. Tokyo's 100 keeps T-1.
    out = run(document(bids, dr_cap_kw=250, dr_caps_kw_by_area={"tohoku": 50, "tokyo": 100}))
    assert out["excluded_by_dr_cap"] == ["O-1", "T-2", "O-2", "O-0"]
    assert awarded(out) == {"T-1", "BASE"}
    # A bid both caps would exclude is listed once.
    out = run(document(bids, dr_cap_kw=250, dr_caps_kw_by_area={"tokyo": 0}))
    assert out["excluded_by_dr_cap"] == ["T-1", "O-1", "T-2", "O-2"]


def test_bids_excluded_by_an_area_cap_are_not_short_block_candidates():
    bids = [
        bid("BASE", 1100, 5000),
        dr("O-dr", 10, 6000, "tohoku"),
        bid("O-2", 10, 7000, "tohoku"),
    ]
    blocks = [{"name": "north", "areas": ["tohoku"], "additional_kw": 5}]
    out = run(document(bids, short_blocks=blocks))
    assert awarded(out) == {"BASE", "O-dr"} and out["area_prices"]["tohoku"] == 6000
    out = run(document(bids, short_blocks=blocks, dr_caps_kw_by_area={"tohoku": 0}))
    assert out["excluded_by_dr_cap"] == ["O-dr"]
    assert [a["id"] for a in out["awards"]] == ["BASE", "O-2"]
    assert out["area_prices"]["tohoku"] == 7000 and out["national_price"] == 5000


def test_an_area_cap_moves_the_national_price():
    # Small curve: 10,075 at 1,000 kW, 0 at 1,100 kW. With the cheap Tokyo DR the supply reaches 1,100 kW at 4,000
    # yen; without it only at 9,000 yen.
    bids = [dr("T-dr", 100, 0, "tokyo"), bid("A", 900, 0), bid("B", 100, 9000), bid("C", 100, 4000)]
    assert run(document(bids))["national_price"] == 4000
    out = run(document(bids, dr_caps_kw_by_area={"tokyo": 99}))
    assert out["excluded_by_dr_cap"] == ["T-dr"]
    assert out["national_price"] == 9000


# --- the engine against the literal reading, on seeded random auctions -------------------------------------------
def random_document(rng: random.Random, number: int) -> dict:
    """A small auction with dispatch bids in several areas, a national cap (or none), area caps and short blocks,
    bids crowded on a few prices so that ties and caps bind often."""
    areas = ["hokkaido", "tohoku", "tokyo", "chubu", "kansai", "kyushu"]
    bids = [
        bid(f"R{number}-{k}", rng.randint(1, 120), rng.choice([0, 0, 1000, 3000, 5037, 8000, rng.randint(0, 15112)]),
            rng.choice(areas), rng.choice(["stable", "variable", "dispatch", "dispatch", "dispatch"]))
        for k in range(rng.randint(0, 40))
    ]
    capped = rng.sample([a for a in areas if a != "hokkaido"], rng.randint(0, 5))
    blocks = []
    if rng.random() < 0.6:
        blocks.append({"name": "east", "areas": ["tohoku", "tokyo"], "additional_kw": rng.randint(0, 300)})
        if rng.random() < 0.5:
            blocks.append({"name": "north", "areas": ["hokkaido"], "additional_kw": rng.randint(0, 200),
                           "adjacent": rng.choice(["national", "east"])})
    if rng.random() < 0.4:
        blocks.append({"name": "kyushu", "areas": ["kyushu"], "additional_kw": rng.randint(0, 200)})
    return document(
        bids,
        fixed_supply_kw=rng.randint(0, 1100),
        dr_cap_kw=rng.choice([None, rng.randint(0, 800)]),
        dr_caps_kw_by_area={area: rng.randint(0, 300) for area in capped},
        short_blocks=blocks or None,
        seed=rng.choice(["s1", "2026-additional", "種"]),
    )


def test_the_engine_agrees_with_the_literal_reading_on_300_seeded_random_auctions():
    rng = random.Random(20261203)
    area_exclusions = 0
    for number in range(300):
        doc = random_document(rng, number)
        expected = reference_clear(doc)
        assert run(doc) == expected, number
        without_area_caps = reference_clear({**doc, "dr_caps_kw_by_area": None})
        area_exclusions += len(expected["excluded_by_dr_cap"]) > len(without_area_caps["excluded_by_dr_cap"])
    assert area_exclusions > 50, "the area caps bind in many of the instances"


# --- the file format ----------------------------------------------------------------------------------------------
def problems_of(tmp_path, doc) -> list[str]:
    path = tmp_path / "input.json"
    path.write_bytes(encode(doc))
    stderr = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("clear_auction", "--input", str(path), stdout=StringIO(), stderr=stderr)
    assert exit_info.value.code == 2
    return stderr.getvalue().splitlines()


ALL_BUT_HOKKAIDO = "tohoku, tokyo, chubu, hokuriku, kansai, chugoku, shikoku, kyushu"


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        ([1, 2], ["dr_caps_kw_by_area: must be an object of area → whole kW ≥ 0, or null"]),
        (5000, ["dr_caps_kw_by_area: must be an object of area → whole kW ≥ 0, or null"]),
        ("tokyo", ["dr_caps_kw_by_area: must be an object of area → whole kW ≥ 0, or null"]),
        ({"hokkaido": 100}, ["dr_caps_kw_by_area.hokkaido: Hokkaido has no area DR cap (the rule excludes it)"]),
        ({"okinawa": 100}, [f'dr_caps_kw_by_area: unknown area "okinawa" (one of {ALL_BUT_HOKKAIDO})']),
        (
            {"tokyo": -1, "tohoku": 1.5, "kansai": "100", "chubu": True, "kyushu": None, "shikoku": 10**40},
            [
                "dr_caps_kw_by_area.tokyo: must be a whole number of kW ≥ 0",
                "dr_caps_kw_by_area.tohoku: must be a whole number of kW ≥ 0",
                "dr_caps_kw_by_area.kansai: must be a whole number of kW ≥ 0",
                "dr_caps_kw_by_area.chubu: must be a whole number of kW ≥ 0",
                "dr_caps_kw_by_area.kyushu: must be a whole number of kW ≥ 0",
                "dr_caps_kw_by_area.shikoku: must be a whole number of kW ≥ 0",
            ],
        ),
    ],
    ids=["list", "number", "string", "hokkaido", "unknown-area", "bad-values"],
)
def test_bad_area_caps_exit_2_with_one_line_per_problem(tmp_path, caps, expected):
    assert problems_of(tmp_path, document([bid("A", 100, 0)], dr_caps_kw_by_area=caps)) == expected


def test_bad_area_caps_are_reported_with_the_other_problems(tmp_path):
    doc = document([bid("A", 0, 0)], dr_cap_kw=-1, dr_caps_kw_by_area={"hokkaido": 1, "tokyo": -5})
    assert problems_of(tmp_path, doc) == [
        "dr_cap_kw: must be a whole number of kW ≥ 0, or null",
        "dr_caps_kw_by_area.hokkaido: Hokkaido has no area DR cap (the rule excludes it)",
        "dr_caps_kw_by_area.tokyo: must be a whole number of kW ≥ 0",
        "bids[0].quantity_kw: must be a whole number of kW ≥ 1",
    ]


def test_area_caps_may_be_absent_null_empty_or_whole_numbers_written_as_decimals():
    bids = [dr("A", 100, 0, "tokyo")]
    assert parse_input(encode(document(bids))).dr_caps_kw_by_area is None
    assert parse_input(encode({**document(bids), "dr_caps_kw_by_area": None})).dr_caps_kw_by_area is None
    assert parse_input(encode(document(bids, dr_caps_kw_by_area={}))).dr_caps_kw_by_area == {}
    text = encode(document(bids, dr_caps_kw_by_area={"kyushu": 7, "tohoku": 0})).decode()
    text = text.replace('"kyushu": 7', '"kyushu": 7.0')
    assert parse_input(text).dr_caps_kw_by_area == {"tohoku": 0, "kyushu": 7}  # in the order of the areas


def test_the_written_input_carries_the_area_caps_in_area_order_and_reads_back_the_same():
    doc = document([dr("A", 100, 0, "kyushu"), dr("B", 100, 0, "tohoku")], dr_cap_kw=500,
                   dr_caps_kw_by_area={"kyushu": 50, "tohoku": 150})
    auction = parse_input(encode(doc))
    text = serialise_input(auction)
    assert '  "dr_caps_kw_by_area": {"tohoku": 150, "kyushu": 50},\n' in text
    assert list(input_document(auction)) == ["auction", "demand_curve", "fixed_supply_kw", "dr_cap_kw",
                                             "dr_caps_kw_by_area", "tie_break_seed", "bids", "short_blocks"]
    assert serialise_input(parse_input(text)) == text
    assert '"dr_caps_kw_by_area": null' in serialise_input(parse_input(encode(document([]))))


# --- the command ----------------------------------------------------------------------------------------------------
def command(*args):
    return subprocess.run(
        [sys.executable, str(MANAGE), "clear_auction", *args],
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "capacity_market.test_settings"},
        timeout=60,
        check=False,
    )


def test_clear_auction_accepts_area_caps_and_replays_byte_identically(tmp_path):
    doc = random_document(random.Random(9), 0)
    doc["bids"] = [b for b in doc["bids"] if b["area"] != "tokyo"]
    doc["bids"] += [dr("T-1", 100, 0, "tokyo"), dr("T-2", 100, 10, "tokyo"), bid("BIG", 2000, 0)]
    doc.update(dr_cap_kw=None, dr_caps_kw_by_area={"tokyo": 150, "kyushu": 0},
               short_blocks=[{"name": "east", "areas": ["tohoku", "tokyo"], "additional_kw": 100}])
    source = tmp_path / "additional.json"
    source.write_bytes(encode(doc))
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    done = command("--input", str(source), "--output", str(first))
    assert done.returncode == 0, done.stderr
    assert command("--input", str(source), "--output", str(second)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    out = json.loads(first.read_bytes())
    assert "T-2" in out["excluded_by_dr_cap"] and "T-1" not in out["excluded_by_dr_cap"]
    assert out == reference_clear(doc)
    # The same input rewritten by the system (serialise_input) clears to the same bytes.
    rewritten = tmp_path / "rewritten.json"
    rewritten.write_text(serialise_input(parse_input(encode(doc))), encoding="utf-8")
    stdout = command("--input", str(rewritten))
    assert stdout.returncode == 0 and stdout.stdout == first.read_bytes()


def test_every_area_but_hokkaido_may_carry_a_cap():
    assert set(AREAS) - {"hokkaido"} == set(ALL_BUT_HOKKAIDO.split(", "))
    caps = dict.fromkeys(ALL_BUT_HOKKAIDO.split(", "), 10)
    out = run(document([dr(f"D-{area}", 11, 0, area) for area in AREAS], dr_caps_kw_by_area=caps))
    assert out["excluded_by_dr_cap"] == [f"D-{area}" for area in AREAS if area != "hokkaido"]
