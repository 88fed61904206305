"""Helpers for the clearing tests: input documents, and a literal second reading of clearing-format.md.

``reference_clear`` follows the rule text step by step, bid by bid (it sorts every bid by price and tie key and
walks S_i), with none of the engine's shortcuts. The property tests compare the engine against it.
"""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction

from auctions.clearing import AREAS

FY2025_CURVE = {
    "upper_price": "15112.5",
    "q_upper_kw": 188813656,
    "net_cone": "10075",
    "target_kw": 189966340,
    "q_zero_kw": 195652080,
}
# A small curve with the FY2025 prices: P_up up to 900 kW, Net CONE at 1,000 kW, 0 at 1,100 kW.
SMALL_CURVE = {
    "upper_price": "15112.5",
    "q_upper_kw": 900,
    "net_cone": "10075",
    "target_kw": 1000,
    "q_zero_kw": 1100,
}
TOY_CURVE = {"upper_price": 15000, "q_upper_kw": 900, "net_cone": 10000, "target_kw": 1000, "q_zero_kw": 1100}


def bid(bid_id, quantity_kw, price, area="tokyo", category="stable"):
    return {"id": bid_id, "area": area, "category": category, "quantity_kw": quantity_kw, "price": price}


def document(bids, *, curve=None, fixed_supply_kw=0, dr_cap_kw=None, short_blocks=None, seed="seed",
             dr_caps_kw_by_area=None):
    doc = {
        "auction": "TEST",
        "demand_curve": dict(curve or SMALL_CURVE),
        "fixed_supply_kw": fixed_supply_kw,
        "tie_break_seed": seed,
        "bids": list(bids),
    }
    if dr_cap_kw is not None:
        doc["dr_cap_kw"] = dr_cap_kw
    if dr_caps_kw_by_area is not None:
        doc["dr_caps_kw_by_area"] = dr_caps_kw_by_area
    if short_blocks is not None:
        doc["short_blocks"] = short_blocks
    return doc


def toy_document():
    """domain.md §10: fixed supply 200 kW; 500 @ 0, 150 @ 3,000, 100 @ 8,000, 100 @ 12,000, 100 @ 14,000."""
    return document(
        [
            bid("T-1", 500, 0),
            bid("T-2", 150, 3000),
            bid("T-3", 100, 8000),
            bid("T-4", 100, 12000),
            bid("T-5", 100, 14000),
        ],
        curve=TOY_CURVE,
        fixed_supply_kw=200,
        seed="toy",
    )


def encode(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def reference_clear(doc: dict) -> dict:
    """clearing-format.md read literally; returns the output document (as parsed JSON would be)."""
    seed = doc["tie_break_seed"]

    def order(b):
        return (b["price"], hashlib.sha256(f"{seed}:{b['id']}".encode()).hexdigest())

    curve = doc["demand_curve"]
    p_up, net_cone = Fraction(str(curve["upper_price"])), Fraction(str(curve["net_cone"]))
    q_up, target, q_zero = curve["q_upper_kw"], curve["target_kw"], curve["q_zero_kw"]

    def demand(q):
        if q <= q_up:
            return p_up
        if q <= target:
            return p_up + (net_cone - p_up) * Fraction(q - q_up, target - q_up)
        if q <= q_zero:
            return net_cone * Fraction(q_zero - q, q_zero - target)
        return Fraction(0)

    ranked = sorted(doc["bids"], key=order)
    excluded = set()
    if doc.get("dr_cap_kw") is not None:
        kept = 0
        over = False
        for b in ranked:
            if b["category"] != "dispatch":
                continue
            if over or kept + b["quantity_kw"] > doc["dr_cap_kw"]:
                over = True
                excluded.add(b["id"])
            else:
                kept += b["quantity_kw"]
    # "Then, for each area of dr_caps_kw_by_area, the same with that area's remaining dispatch bids and its cap."
    for area, cap in (doc.get("dr_caps_kw_by_area") or {}).items():
        kept = 0
        over = False
        for b in ranked:
            if b["category"] != "dispatch" or b["area"] != area or b["id"] in excluded:
                continue
            if over or kept + b["quantity_kw"] > cap:
                over = True
                excluded.add(b["id"])
            else:
                kept += b["quantity_kw"]
    remaining = [b for b in ranked if b["id"] not in excluded]
    supply = doc["fixed_supply_kw"]
    national = None
    for b in remaining:
        supply += b["quantity_kw"]
        if demand(supply) <= b["price"]:
            national = b["price"]
            break
    if national is None:
        national = math.floor(demand(supply))
        winners = {b["id"] for b in remaining}
    else:
        winners = {b["id"] for b in remaining if b["price"] <= national}

    block_price_of = {}
    block_of_area = {}
    for block in doc.get("short_blocks") or []:
        adjacent = (
            national if block.get("adjacent", "national") == "national" else block_price_of[block["adjacent"]]
        )
        cap = min(Fraction(3, 2) * adjacent, p_up)
        candidates = [b for b in remaining if b["area"] in block["areas"] and b["id"] not in winners]
        taken = 0
        last = None
        for b in candidates:
            if taken >= block["additional_kw"]:
                break
            winners.add(b["id"])
            taken += b["quantity_kw"]
            last = b["price"]
        price = national if last is None else math.floor(max(national, min(last, cap)))
        block_price_of[block["name"]] = price
        for area in block["areas"]:
            block_of_area[area] = price

    awards = []
    for b in doc["bids"]:
        if b["id"] in winners:
            paid = max(block_of_area[b["area"]], b["price"]) if b["area"] in block_of_area else national
            awards.append(
                {
                    "id": b["id"],
                    "awarded_kw": b["quantity_kw"],
                    "paid_price": paid,
                    "amount_yen": paid * b["quantity_kw"],
                }
            )
    return {
        "auction": doc["auction"],
        "national_price": national,
        "area_prices": {area: block_of_area.get(area, national) for area in AREAS},
        "awarded_kw": sum(a["awarded_kw"] for a in awards),
        "awards": awards,
        "excluded_by_dr_cap": [b["id"] for b in doc["bids"] if b["id"] in excluded],
        "tie_break_seed": seed,
    }
