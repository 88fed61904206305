"""Files the documentation's commands use (docs/running.md § Commands to run by hand) exist and do what it says."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from auctions.tests.clearing_support import toy_document

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_auction_is_the_toy_auction_and_clears_as_documented():
    example = ROOT / "docs" / "examples" / "toy-auction.json"
    assert json.loads(example.read_text()) == toy_document()
    out = StringIO()
    call_command("clear_auction", "--input", str(example), stdout=out)
    result = json.loads(out.getvalue())
    assert (result["national_price"], result["awarded_kw"]) == (12000, 850)
    assert [a["id"] for a in result["awards"]] == ["T-1", "T-2", "T-3", "T-4"]


def test_the_example_additional_auction_clears_as_documented():
    """docs/running.md: the national DR cap excludes A-8, Tokyo's area cap A-3 and Tohoku's A-4; ¥12,000/kW
    nationally, the Kyushu short block at ¥13,000; 10,350,000 yen in all."""
    from auctions.tests.clearing_support import reference_clear

    example = ROOT / "docs" / "examples" / "additional-auction.json"
    out = StringIO()
    call_command("clear_auction", "--input", str(example), stdout=out)
    result = json.loads(out.getvalue())
    assert result == reference_clear(json.loads(example.read_text()))
    assert result["excluded_by_dr_cap"] == ["A-3", "A-4", "A-8"]
    assert (result["national_price"], result["area_prices"]["kyushu"], result["awarded_kw"]) == (12000, 13000, 850)
    assert [a["id"] for a in result["awards"]] == ["A-1", "A-2", "A-5", "A-6", "A-7"]
    assert sum(a["amount_yen"] for a in result["awards"]) == 10_350_000
