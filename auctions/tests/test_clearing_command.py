"""``manage.py clear_auction``: the file format end to end, exit statuses and one line per problem."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from auctions.tests.clearing_support import bid, document, encode, toy_document

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def command(*args):
    """Run the real process; the test settings need no secret and the command no database."""
    return subprocess.run(
        [sys.executable, str(MANAGE), "clear_auction", *args],
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "capacity_market.test_settings"},
        timeout=60,
        check=False,
    )


def problems_of(tmp_path, content: bytes | str) -> list[str]:
    """Run the command in-process on ``content``; it must exit 2 and return its stderr lines."""
    path = tmp_path / "input.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    stderr = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("clear_auction", "--input", str(path), stdout=StringIO(), stderr=stderr)
    assert exit_info.value.code == 2
    return stderr.getvalue().splitlines()


def test_the_toy_auction_clears_through_the_command_to_stdout(tmp_path):
    source = tmp_path / "toy.json"
    source.write_bytes(encode(toy_document()))
    done = command("--input", str(source))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    out = json.loads(done.stdout)
    assert out["national_price"] == 12000
    assert [(a["id"], a["awarded_kw"], a["amount_yen"]) for a in out["awards"]] == [
        ("T-1", 500, 6_000_000),
        ("T-2", 150, 1_800_000),
        ("T-3", 100, 1_200_000),
        ("T-4", 100, 1_200_000),
    ]
    assert sum(a["amount_yen"] for a in out["awards"]) == 10_200_000


def test_the_output_file_is_written_in_the_documented_layout_and_byte_identical_each_time(tmp_path):
    doc = toy_document()
    doc["bids"][0]["id"] = "東京-1"
    source = tmp_path / "toy.json"
    source.write_bytes(encode(doc))
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert command("--input", str(source), "--output", str(first)).returncode == 0
    done = command("--input", str(source), "--output", str(second))
    assert done.returncode == 0
    assert done.stdout == b""
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text(encoding="utf-8") == (
        "{\n"
        '  "auction": "TEST",\n'
        '  "national_price": 12000,\n'
        '  "area_prices": {"hokkaido": 12000, "tohoku": 12000, "tokyo": 12000, "chubu": 12000, '
        '"hokuriku": 12000, "kansai": 12000, "chugoku": 12000, "shikoku": 12000, "kyushu": 12000},\n'
        '  "awarded_kw": 850,\n'
        '  "awards": [\n'
        '    {"id": "東京-1", "awarded_kw": 500, "paid_price": 12000, "amount_yen": 6000000},\n'
        '    {"id": "T-2", "awarded_kw": 150, "paid_price": 12000, "amount_yen": 1800000},\n'
        '    {"id": "T-3", "awarded_kw": 100, "paid_price": 12000, "amount_yen": 1200000},\n'
        '    {"id": "T-4", "awarded_kw": 100, "paid_price": 12000, "amount_yen": 1200000}\n'
        "  ],\n"
        '  "excluded_by_dr_cap": [],\n'
        '  "tie_break_seed": "toy"\n'
        "}\n"
    )


def test_call_command_writes_the_result_to_its_stdout(tmp_path):
    source = tmp_path / "toy.json"
    source.write_bytes(encode(toy_document()))
    stdout = StringIO()
    call_command("clear_auction", "--input", str(source), stdout=stdout)
    assert json.loads(stdout.getvalue())["national_price"] == 12000


def test_invalid_input_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    doc = toy_document()
    doc["bids"][1]["area"] = "tokio"
    doc["bids"][2]["quantity_kw"] = -5
    doc["bids"][3]["price"] = 12000.5
    source = tmp_path / "bad.json"
    source.write_bytes(encode(doc))
    done = command("--input", str(source))
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().splitlines() == [
        'bids[1].area: unknown area "tokio" (one of hokkaido, tohoku, tokyo, chubu, hokuriku, kansai, chugoku, '
        "shikoku, kyushu)",
        "bids[2].quantity_kw: must be a whole number of kW ≥ 1",
        "bids[3].price: must be a whole number of yen ≥ 0",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "{",
            ["input: malformed JSON: Expecting property name enclosed in double quotes (line 1, column 2)"],
        ),
        ("", ["input: malformed JSON: Expecting value (line 1, column 1)"]),
        (b'{"auction": "\xff"}', ["input: not UTF-8 text"]),
        ('{"fixed_supply_kw": NaN}', ["input: malformed JSON: NaN is not a number"]),
        ("[1, 2]", ["input: must be a JSON object"]),
        ("[" * 100_000, ["input: malformed JSON: nested too deeply"]),
        (
            "{}",
            [
                "input: missing field auction",
                "input: missing field demand_curve",
                "input: missing field fixed_supply_kw",
                "input: missing field tie_break_seed",
                "input: missing field bids",
            ],
        ),
    ],
    ids=["truncated", "empty", "not-utf8", "nan", "array", "deep", "empty-object"],
)
def test_unparseable_input_is_reported_in_one_line(tmp_path, content, expected):
    assert problems_of(tmp_path, content) == expected


def test_every_bad_bid_is_reported(tmp_path):
    doc = document(
        [
            bid("A", 100, 0),
            bid("A", 100, 0),  # duplicate id
            {"id": "B", "area": "tokyo", "category": "solar", "quantity_kw": 10.5, "price": "x"},
            {"id": "", "area": ["tokyo"], "quantity_kw": True, "price": -1, "colour": "red"},
            bid("C", 10, 20000),  # above P_up
            "not a bid",
            bid("A", 1, 1),  # duplicate again
        ]
    )
    assert problems_of(tmp_path, encode(doc)) == [
        'bids[2].category: unknown category "solar" (one of stable, variable, variable_aggregate, dispatch)',
        "bids[2].quantity_kw: must be a whole number of kW ≥ 1",
        "bids[2].price: must be a whole number of yen ≥ 0",
        'bids[3]: unknown field "colour"',
        "bids[3]: missing field category",
        "bids[3].id: must be a non-empty string",
        'bids[3].area: unknown area ["tokyo"] (one of hokkaido, tohoku, tokyo, chubu, hokuriku, kansai, chugoku, '
        "shikoku, kyushu)",
        "bids[3].quantity_kw: must be a whole number of kW ≥ 1",
        "bids[3].price: must be a whole number of yen ≥ 0",
        "bids[4].price: 20000 exceeds the upper price of the demand curve",
        "bids[5]: must be an object",
        'bids[1].id: duplicate of bids[0].id "A"',
        'bids[6].id: duplicate of bids[0].id "A"',
    ]


def test_absurdly_large_numbers_and_unwritable_ids_are_reported(tmp_path):
    text = encode(document([bid("A", 10**40, 0), bid("B", 10, 0)])).decode()
    text = text.replace('"id": "B"', '"id": "\\ud800"')  # a lone surrogate cannot be written as UTF-8
    assert problems_of(tmp_path, text) == [
        "bids[0].quantity_kw: must be a whole number of kW ≥ 1",
        "bids[1].id: must be a non-empty string",
    ]


def test_a_duplicate_id_among_otherwise_good_bids_is_reported(tmp_path):
    doc = document([bid("A", 100, 0), bid("B", 100, 0), bid("A", 5, 10)])
    assert problems_of(tmp_path, encode(doc)) == ['bids[2].id: duplicate of bids[0].id "A"']


def test_whole_numbers_written_as_decimals_or_strings_are_accepted(tmp_path):
    doc = toy_document()
    doc["bids"][3]["price"] = "12000"
    text = encode(doc).decode().replace('"quantity_kw": 500', '"quantity_kw": 500.0')
    source = tmp_path / "toy.json"
    source.write_text(text, encoding="utf-8")
    stdout = StringIO()
    call_command("clear_auction", "--input", str(source), stdout=stdout)
    out = json.loads(stdout.getvalue())
    assert out["national_price"] == 12000
    assert out["awards"][0]["awarded_kw"] == 500


def test_bad_top_level_fields_and_demand_curves_are_reported(tmp_path):
    doc = document([bid("A", 100, 0)], fixed_supply_kw=-1, dr_cap_kw="lots")
    doc["auction"] = ""
    doc["tie_break_seed"] = 7
    doc["dr_cap"] = 5
    doc["demand_curve"] = {"upper_price": "abc", "q_upper_kw": 900, "net_cone": 10075, "target_kw": 1.5}
    assert problems_of(tmp_path, encode(doc)) == [
        'input: unknown field "dr_cap"',
        "auction: must be a non-empty string",
        "tie_break_seed: must be a non-empty string",
        "fixed_supply_kw: must be a whole number of kW ≥ 0",
        "dr_cap_kw: must be a whole number of kW ≥ 0, or null",
        "demand_curve.upper_price: must be a decimal number ≥ 0 (yen/kW)",
        "demand_curve.target_kw: must be a whole number of kW ≥ 0",
        "demand_curve: missing field q_zero_kw",
    ]


def test_curve_points_out_of_order_are_reported(tmp_path):
    curve = {
        "upper_price": "10000",
        "q_upper_kw": 1000,
        "net_cone": "10075",
        "target_kw": 900,
        "q_zero_kw": 1100,
    }
    assert problems_of(tmp_path, encode(document([], curve=curve))) == [
        "demand_curve: points out of order: need q_upper_kw < target_kw < q_zero_kw, got 1000, 900, 1100",
        "demand_curve: points out of order: net_cone 10075 exceeds upper_price 10000",
    ]


def test_bad_short_blocks_are_reported(tmp_path):
    blocks = [
        {"name": "north", "areas": ["hokkaido"], "additional_kw": 10, "adjacent": "east"},  # defined later
        {"name": "east", "areas": ["tohoku", "hokkaido"], "additional_kw": 10, "adjacent": "westt"},
        {"name": "east", "areas": [], "additional_kw": -3, "adjacent": "east", "note": 1},
        {"name": "national", "areas": ["atlantis"], "additional_kw": 10},
        {"areas": ["kyushu"]},
    ]
    assert problems_of(tmp_path, encode(document([], short_blocks=blocks))) == [
        'short_blocks[0].adjacent: block "east" is defined later; an adjacent block must come earlier',
        'short_blocks[1].areas[1]: hokkaido is already in block "north"',
        'short_blocks[1].adjacent: unknown block "westt"',
        'short_blocks[2]: unknown field "note"',
        'short_blocks[2].name: duplicate block name "east"',
        "short_blocks[2].areas: must be a non-empty list of areas",
        "short_blocks[2].additional_kw: must be a whole number of kW ≥ 0",
        'short_blocks[3].name: must be a non-empty string other than "national"',
        'short_blocks[3].areas[0]: unknown area "atlantis" (one of hokkaido, tohoku, tokyo, chubu, hokuriku, '
        "kansai, chugoku, shikoku, kyushu)",
        "short_blocks[4]: missing field name",
        "short_blocks[4]: missing field additional_kw",
    ]


def test_a_block_adjacent_to_itself_is_reported(tmp_path):
    blocks = [{"name": "north", "areas": ["hokkaido"], "additional_kw": 10, "adjacent": "north"}]
    assert problems_of(tmp_path, encode(document([], short_blocks=blocks))) == [
        "short_blocks[0].adjacent: a block cannot be adjacent to itself"
    ]


def test_a_missing_or_unreadable_input_file_exits_2_without_a_traceback(tmp_path):
    missing = command("--input", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert (
        missing.stderr.decode() == f"input: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"
    )
    folder = command("--input", str(tmp_path))
    assert folder.returncode == 2
    assert folder.stderr.decode() == f"input: cannot read {tmp_path}: Is a directory\n"


def test_malformed_json_exits_2_without_a_traceback(tmp_path):
    source = tmp_path / "bad.json"
    source.write_text('{"auction": "X", "bids": [', encoding="utf-8")
    done = command("--input", str(source))
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == ["input: malformed JSON: Expecting value (line 1, column 27)"]


def test_an_unwritable_output_file_exits_1_with_a_message(tmp_path):
    source = tmp_path / "toy.json"
    source.write_bytes(encode(toy_document()))
    done = command("--input", str(source), "--output", str(tmp_path / "no-such-folder" / "out.json"))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().startswith("output: cannot write ")


def test_the_input_option_is_required():
    done = command()
    assert done.returncode == 2
    assert b"--input" in done.stderr
    assert b"Traceback" not in done.stderr
