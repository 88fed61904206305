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
