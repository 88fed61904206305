"""The file format of ``manage.py clear_auction``: parse and validate the input, serialise the result.

Validation reports every problem, one line each, as ``<where>: <what>`` (e.g. ``bids[3].price: must be a whole
number of yen ≥ 0``), in the order found, and never lets malformed input reach the engine.

The result is written in one fixed layout, so the same input always gives byte-identical output (UTF-8, keys in
the documented order, strings escaped like ``json.dumps(..., ensure_ascii=False)``, integers only, ``\\n``
line ends, a trailing newline)::

    {
      "auction": "MA-FY2025",
      "national_price": 12388,
      "area_prices": {"hokkaido": 14972, "tohoku": 15111, ..., "kyushu": 15112},
      "awarded_kw": 166079863,
      "awards": [
        {"id": "R-000123", "awarded_kw": 350000, "paid_price": 15111, "amount_yen": 5288850000},
        ...
      ],
      "excluded_by_dr_cap": ["R-009999"],
      "tie_break_seed": "2025-main"
    }

``awards`` (winning bids only) and ``excluded_by_dr_cap`` follow the input order of the bids.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path

from capacity_market.market_codes import AREAS, CATEGORIES

from .engine import (
    NATIONAL,
    AuctionInput,
    BidColumns,
    ClearingResult,
    DemandCurve,
    ShortBlock,
    to_decimal,
)

TOP_LEVEL_FIELDS = (
    "auction",
    "demand_curve",
    "fixed_supply_kw",
    "dr_cap_kw",
    "dr_caps_kw_by_area",
    "tie_break_seed",
    "bids",
    "short_blocks",
)
OPTIONAL_FIELDS = frozenset({"dr_cap_kw", "dr_caps_kw_by_area", "short_blocks"})
CURVE_FIELDS = ("upper_price", "q_upper_kw", "net_cone", "target_kw", "q_zero_kw")
BID_FIELDS = ("id", "area", "category", "quantity_kw", "price")
BLOCK_FIELDS = ("name", "areas", "additional_kw", "adjacent")

_AREA_SET = frozenset(AREAS)
# Hokkaido has no area DR cap (clearing-format.md: "each area's H3 × 1 %, Hokkaido excluded"); a file giving it one
# is refused rather than silently cleared with a cap the rule does not have.
NO_AREA_DR_CAP = "hokkaido"
AREAS_WITH_DR_CAP = tuple(area for area in AREAS if area != NO_AREA_DR_CAP)
_CATEGORY_SET = frozenset(CATEGORIES)
_DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_MAX_DIGITS = 30  # no price or quantity of a real auction comes near 10^30
_LIMIT = 10**_MAX_DIGITS


class InvalidInput(Exception):
    """The input cannot be cleared; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _NotAllowed(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotAllowed(f"{name} is not a number")


def _text(value: object) -> bool:
    """A non-empty string that can be written as UTF-8 (no lone surrogates from \\ud800 escapes)."""
    if type(value) is not str or not value:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _whole(value: object, *, strings: bool = False) -> int | None:
    """A whole number from an int, an integral JSON number or (if ``strings``) a string of digits; else None."""
    if type(value) is int:
        return value if -_LIMIT < value < _LIMIT else None
    if strings and type(value) is str and _DECIMAL_TEXT.match(value):
        value = Decimal(value)
    if (
        type(value) is Decimal
        and value.is_finite()
        and value.adjusted() < _MAX_DIGITS
        and value == value.to_integral_value()
    ):
        return int(value)
    return None


def _decimal(value: object) -> Decimal | None:
    """A price of the demand curve: a JSON number or a decimal string, ≥ 0; else None."""
    if type(value) is int or (type(value) is str and _DECIMAL_TEXT.match(value)):
        value = Decimal(value)
    if type(value) is Decimal and value.is_finite() and value.adjusted() < _MAX_DIGITS and value >= 0:
        return value
    return None


# A bad value quoted in a problem is cut to this many characters, so one huge value cannot flood the report.
_DESCRIBED_CHARS = 60


def _describe(value: object) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, Decimal) else str(value)
    )
    return text if len(text) <= _DESCRIBED_CHARS else text[:_DESCRIBED_CHARS - 3] + "..."


def _unknown_fields(obj: dict, known: tuple[str, ...], where: str, problems: list[str]) -> None:
    for key in obj:
        if key not in known:
            problems.append(f"{where}: unknown field {_describe(key)}")


def parse_input(data: bytes | str) -> AuctionInput:
    """Parse and validate the input file's content; raise :class:`InvalidInput` listing every problem."""
    try:
        raw = json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            [f"input: malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})"]
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(["input: not UTF-8 text"]) from None
    except RecursionError:
        raise InvalidInput(["input: malformed JSON: nested too deeply"]) from None
    except ValueError as error:  # NaN/Infinity, integers beyond Python's digit limit
        raise InvalidInput([f"input: malformed JSON: {error}"]) from None
    return validate(raw)


def load_input(path: str | Path) -> AuctionInput:
    """Read and validate an input file; an unreadable file is reported like any other problem."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InvalidInput([f"input: cannot read {path}: {error.strerror or error}"]) from None
    return parse_input(data)


def validate(raw: object) -> AuctionInput:
    """Validate parsed JSON (with ``Decimal`` for non-integral numbers) and build the engine's input."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise InvalidInput(["input: must be a JSON object"])
    _unknown_fields(raw, TOP_LEVEL_FIELDS, "input", problems)
    for field in TOP_LEVEL_FIELDS:
        if field not in raw and field not in OPTIONAL_FIELDS:
            problems.append(f"input: missing field {field}")

    auction = raw.get("auction")
    if "auction" in raw and not _text(auction):
        problems.append("auction: must be a non-empty string")
    seed = raw.get("tie_break_seed")
    if "tie_break_seed" in raw and not _text(seed):
        problems.append("tie_break_seed: must be a non-empty string")

    fixed_supply = None
    if "fixed_supply_kw" in raw:
        fixed_supply = _whole(raw["fixed_supply_kw"])
        if fixed_supply is None or fixed_supply < 0:
            problems.append("fixed_supply_kw: must be a whole number of kW ≥ 0")
    dr_cap = raw.get("dr_cap_kw")
    if dr_cap is not None:
        dr_cap = _whole(dr_cap)
        if dr_cap is None or dr_cap < 0:
            problems.append("dr_cap_kw: must be a whole number of kW ≥ 0, or null")
    area_caps = _validate_area_caps(raw.get("dr_caps_kw_by_area"), problems)

    curve = _validate_curve(raw["demand_curve"], problems) if "demand_curve" in raw else None
    price_limit = int(curve.upper_price) if curve is not None else None  # whole-yen bids ≤ P_up

    bids = _validate_bids(raw["bids"], price_limit, problems) if "bids" in raw else []
    blocks = _validate_blocks(raw.get("short_blocks"), problems)

    if problems:
        raise InvalidInput(problems)
    return AuctionInput(
        auction=auction,
        demand_curve=curve,
        fixed_supply_kw=fixed_supply,
        tie_break_seed=seed,
        bids=bids,
        dr_cap_kw=dr_cap,
        short_blocks=blocks,
        dr_caps_kw_by_area=area_caps,
    )


def _validate_area_caps(raw: object, problems: list[str]) -> dict[str, int] | None:
    """``dr_caps_kw_by_area``: null, or an object of area → whole kW ≥ 0 (Hokkaido excluded). Returned in the
    order of AREAS, so the same caps always serialise the same way."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append("dr_caps_kw_by_area: must be an object of area → whole kW ≥ 0, or null")
        return None
    caps: dict[str, int] = {}
    for area, value in raw.items():
        if area == NO_AREA_DR_CAP:
            problems.append(f"dr_caps_kw_by_area.{area}: Hokkaido has no area DR cap (the rule excludes it)")
            continue
        if area not in _AREA_SET:
            problems.append(
                f"dr_caps_kw_by_area: unknown area {_describe(area)} (one of {', '.join(AREAS_WITH_DR_CAP)})"
            )
            continue
        cap = _whole(value)
        if cap is None or cap < 0:
            problems.append(f"dr_caps_kw_by_area.{area}: must be a whole number of kW ≥ 0")
            continue
        caps[area] = cap
    return {area: caps[area] for area in AREAS if area in caps}


def _validate_curve(raw: object, problems: list[str]) -> DemandCurve | None:
    if not isinstance(raw, dict):
        problems.append("demand_curve: must be an object")
        return None
    start = len(problems)
    _unknown_fields(raw, CURVE_FIELDS, "demand_curve", problems)
    values: dict[str, object] = {}
    for field in CURVE_FIELDS:
        if field not in raw:
            problems.append(f"demand_curve: missing field {field}")
            continue
        if field in ("upper_price", "net_cone"):
            value = _decimal(raw[field])
            if value is None:
                problems.append(f"demand_curve.{field}: must be a decimal number ≥ 0 (yen/kW)")
        else:
            value = _whole(raw[field])
            if value is None or value < 0:
                problems.append(f"demand_curve.{field}: must be a whole number of kW ≥ 0")
                value = None
        values[field] = value
    if len(problems) > start:
        return None
    if not values["q_upper_kw"] < values["target_kw"] < values["q_zero_kw"]:
        problems.append(
            "demand_curve: points out of order: need q_upper_kw < target_kw < q_zero_kw, got "
            f"{values['q_upper_kw']}, {values['target_kw']}, {values['q_zero_kw']}"
        )
    if values["net_cone"] > values["upper_price"]:
        problems.append(
            f"demand_curve: points out of order: net_cone {values['net_cone']} exceeds "
            f"upper_price {values['upper_price']}"
        )
    if len(problems) > start:
        return None
    return DemandCurve(**values)


def _validate_bids(raw: object, price_limit: int | None, problems: list[str]) -> BidColumns | list[tuple]:
    if not isinstance(raw, list):
        problems.append("bids: must be a list")
        return []
    limit = price_limit if price_limit is not None else -1
    bids = _well_formed_bids(raw, limit)
    if bids is not None:
        return bids
    # Something is wrong somewhere: examine each bid field by field and report every problem.
    bids = []
    bad = False
    for index, bid in enumerate(raw):
        checked = _check_bid(index, bid, price_limit, problems)
        if checked is None:
            bad = True
        else:
            bids.append(checked)
    if bad:
        # Positions in ``bids`` no longer match the input: look for duplicates among the input's valid ids.
        indexed_ids = (
            (index, bid.get("id") if isinstance(bid, dict) else None) for index, bid in enumerate(raw)
        )
        _report_duplicates(indexed_ids, problems)
        return []
    _report_duplicates(((index, bid[0]) for index, bid in enumerate(bids)), problems)
    return bids


_field_getters = tuple(itemgetter(field) for field in BID_FIELDS)


def _well_formed_bids(raw: list, limit: int) -> BidColumns | None:
    """The bids as columns when every bid is in the usual form, else None (then checked one by one).

    The usual form is exactly the five fields, an ASCII id, a known area and category, an int quantity ≥ 1 and
    an int price 0 ≤ p ≤ limit, with no duplicate ids. Each check is one pass in C over a column, which is what
    makes validating 600,000 bids cheap next to parsing them.
    """
    if not raw:
        return BidColumns([], [], [], [], [])
    try:
        if set(map(type, raw)) != {dict} or set(map(len, raw)) != {5}:
            return None
        ids, areas, categories, quantities, prices = (list(map(getter, raw)) for getter in _field_getters)
        well_formed = (
            set(map(type, ids)) == {str}
            and all(ids)
            and all(map(str.isascii, ids))
            and len(set(ids)) == len(ids)
            and set(areas) <= _AREA_SET
            and set(categories) <= _CATEGORY_SET
            and set(map(type, quantities)) == {int}
            and min(quantities) >= 1
            and max(quantities) < _LIMIT
            and set(map(type, prices)) == {int}
            and min(prices) >= 0
            and max(prices) <= limit
        )
    except (KeyError, TypeError):  # a missing field, an unhashable area or category
        return None
    return BidColumns(ids, areas, categories, quantities, prices) if well_formed else None


def _report_duplicates(indexed_ids, problems: list[str]) -> None:
    first_seen: dict[str, int] = {}
    for index, bid_id in indexed_ids:
        if not _text(bid_id):
            continue
        first = first_seen.setdefault(bid_id, index)
        if first != index:
            problems.append(f"bids[{index}].id: duplicate of bids[{first}].id {_describe(bid_id)}")


def _check_bid(index: int, bid: object, price_limit: int | None, problems: list[str]) -> tuple | None:
    where = f"bids[{index}]"
    if not isinstance(bid, dict):
        problems.append(f"{where}: must be an object")
        return None
    start = len(problems)
    _unknown_fields(bid, BID_FIELDS, where, problems)
    for field in BID_FIELDS:
        if field not in bid:
            problems.append(f"{where}: missing field {field}")
    bid_id = bid.get("id")
    if "id" in bid and not _text(bid_id):
        problems.append(f"{where}.id: must be a non-empty string")
    area = bid.get("area")
    if "area" in bid and not (type(area) is str and area in _AREA_SET):
        problems.append(f"{where}.area: unknown area {_describe(area)} (one of {', '.join(AREAS)})")
    category = bid.get("category")
    if "category" in bid and not (type(category) is str and category in _CATEGORY_SET):
        problems.append(
            f"{where}.category: unknown category {_describe(category)} (one of {', '.join(CATEGORIES)})"
        )
    quantity = None
    if "quantity_kw" in bid:
        quantity = _whole(bid["quantity_kw"])
        if quantity is None or quantity < 1:
            problems.append(f"{where}.quantity_kw: must be a whole number of kW ≥ 1")
    price = None
    if "price" in bid:
        price = _whole(bid["price"], strings=True)
        if price is None or price < 0:
            problems.append(f"{where}.price: must be a whole number of yen ≥ 0")
        elif price_limit is not None and price > price_limit:
            problems.append(f"{where}.price: {price} exceeds the upper price of the demand curve")
    if len(problems) > start:
        # A valid id still takes part in the duplicate check.
        return None
    return (bid_id, area, category, quantity, price)


def _validate_blocks(raw: object, problems: list[str]) -> tuple[ShortBlock, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("short_blocks: must be a list or null")
        return ()
    blocks: list[ShortBlock] = []
    names_so_far: set[str] = set()
    all_names = {
        block.get("name") for block in raw if isinstance(block, dict) and type(block.get("name")) is str
    }
    block_of_area: dict[str, str] = {}
    for index, block in enumerate(raw):
        where = f"short_blocks[{index}]"
        if not isinstance(block, dict):
            problems.append(f"{where}: must be an object")
            continue
        start = len(problems)
        _unknown_fields(block, BLOCK_FIELDS, where, problems)
        for field in ("name", "areas", "additional_kw"):
            if field not in block:
                problems.append(f"{where}: missing field {field}")
        name = block.get("name")
        if "name" in block:
            if not _text(name) or name == NATIONAL:
                problems.append(f'{where}.name: must be a non-empty string other than "{NATIONAL}"')
            elif name in names_so_far:
                problems.append(f"{where}.name: duplicate block name {_describe(name)}")
        areas = block.get("areas")
        if "areas" in block:
            if not isinstance(areas, list) or not areas:
                problems.append(f"{where}.areas: must be a non-empty list of areas")
                areas = []
            for position, area in enumerate(areas):
                if not (type(area) is str and area in _AREA_SET):
                    problems.append(
                        f"{where}.areas[{position}]: unknown area {_describe(area)} (one of {', '.join(AREAS)})"
                    )
                elif area in block_of_area:
                    problems.append(
                        f"{where}.areas[{position}]: {area} is already in block {_describe(block_of_area[area])}"
                    )
                else:
                    block_of_area[area] = name if type(name) is str else f"short_blocks[{index}]"
        additional = None
        if "additional_kw" in block:
            additional = _whole(block["additional_kw"])
            if additional is None or additional < 0:
                problems.append(f"{where}.additional_kw: must be a whole number of kW ≥ 0")
        adjacent = block.get("adjacent", NATIONAL)
        if adjacent is None:
            adjacent = NATIONAL
        if adjacent != NATIONAL:
            if type(adjacent) is not str:
                problems.append(f'{where}.adjacent: must be "{NATIONAL}" or the name of an earlier block')
            elif adjacent in names_so_far:
                pass
            elif adjacent == name:
                problems.append(f"{where}.adjacent: a block cannot be adjacent to itself")
            elif adjacent in all_names:
                problems.append(
                    f"{where}.adjacent: block {_describe(adjacent)} is defined later; "
                    "an adjacent block must come earlier"
                )
            else:
                problems.append(f"{where}.adjacent: unknown block {_describe(adjacent)}")
        if type(name) is str:
            names_so_far.add(name)
        if len(problems) == start:
            blocks.append(
                ShortBlock(name=name, areas=tuple(areas), additional_kw=additional, adjacent=adjacent)
            )
    return tuple(blocks)


def serialise_result(result: ClearingResult) -> str:
    """The result in the documented layout; the same result always gives the same text."""
    enc = encode_basestring
    area_prices = ", ".join(f"{enc(area)}: {price}" for area, price in result.area_prices.items())
    lines = [
        "{\n",
        f'  "auction": {enc(result.auction)},\n',
        f'  "national_price": {result.national_price},\n',
        f'  "area_prices": {{{area_prices}}},\n',
        f'  "awarded_kw": {result.awarded_kw},\n',
    ]
    if result.awards:
        lines.append('  "awards": [\n    ')
        lines.append(
            ",\n    ".join(
                [
                    f'{{"id": {enc(bid_id)}, "awarded_kw": {kw}, "paid_price": {paid}, "amount_yen": {amount}}}'
                    for bid_id, kw, paid, amount in result.awards
                ]
            )
        )
        lines.append("\n  ],\n")
    else:
        lines.append('  "awards": [],\n')
    excluded = ", ".join([enc(bid_id) for bid_id in result.excluded_by_dr_cap])
    lines.append(f'  "excluded_by_dr_cap": [{excluded}],\n')
    lines.append(f'  "tie_break_seed": {enc(result.tie_break_seed)}\n')
    lines.append("}\n")
    return "".join(lines)


# --- writing the input (the system exports what it cleared, so staff can replay it with clear_auction) -----------
def _price_text(value) -> str:
    """An exact price of the demand curve as a decimal string without exponent or trailing zeros: "15112.5"."""
    return format(to_decimal(value).normalize(), "f")


def _area_caps_document(caps) -> dict[str, int] | None:
    """The area DR caps in the order of AREAS (null when there are none given)."""
    if caps is None:
        return None
    return {area: caps[area] for area in AREAS if area in caps}


def input_document(auction: AuctionInput, *, with_bids: bool = True) -> dict:
    """The input as plain JSON data in the documented field order (prices of the curve as decimal strings).

    ``with_bids=False`` leaves the bids out (what a clearing run keeps as its input summary)."""
    curve = auction.demand_curve
    doc: dict = {
        "auction": auction.auction,
        "demand_curve": {
            "upper_price": _price_text(curve.upper_price),
            "q_upper_kw": curve.q_upper_kw,
            "net_cone": _price_text(curve.net_cone),
            "target_kw": curve.target_kw,
            "q_zero_kw": curve.q_zero_kw,
        },
        "fixed_supply_kw": auction.fixed_supply_kw,
        "dr_cap_kw": auction.dr_cap_kw,
        "dr_caps_kw_by_area": _area_caps_document(auction.dr_caps_kw_by_area),
        "tie_break_seed": auction.tie_break_seed,
    }
    if with_bids:
        doc["bids"] = [
            {"id": bid_id, "area": area, "category": category, "quantity_kw": quantity, "price": price}
            for bid_id, area, category, quantity, price in auction.bids
        ]
    doc["short_blocks"] = [
        {"name": block.name, "areas": list(block.areas), "additional_kw": block.additional_kw,
         "adjacent": block.adjacent}
        for block in auction.short_blocks
    ]
    return doc


def serialise_input(auction: AuctionInput) -> str:
    """The input in the documented layout, one bid per line; ``parse_input`` reads it back to the same input."""
    doc = input_document(auction, with_bids=False)
    blocks = doc.pop("short_blocks")

    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    enc = encode_basestring

    lines = ["{\n"]
    lines.extend(f"  {dumps(key)}: {dumps(value)},\n" for key, value in doc.items())
    if len(auction.bids):
        lines.append('  "bids": [\n    ')
        lines.append(
            ",\n    ".join(
                [
                    f'{{"id": {enc(bid_id)}, "area": {enc(area)}, "category": {enc(category)}, '
                    f'"quantity_kw": {quantity}, "price": {price}}}'
                    for bid_id, area, category, quantity, price in auction.bids
                ]
            )
        )
        lines.append("\n  ],\n")
    else:
        lines.append('  "bids": [],\n')
    lines.append(f'  "short_blocks": {dumps(blocks)}\n')
    lines.append("}\n")
    return "".join(lines)
