"""Expected capacity (qualification) does not reach into the later stages: bidding and clearing ask it, not back.

Bidding registers its guards (the deletion guards of resources and operators, and the guard that an approval may
not drop a qualification below an active bid) from auctions/apps.py."""

import ast
from pathlib import Path

from django.apps import apps

LATER_STAGES = {"Bid", "BidStatus", "BidVersion", "BidSubmission", "ClearingRun", "ClearingOutcome", "ShortBlock"}


def _imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.name for alias in node.names} | {node.module or ""}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_the_expected_capacity_services_import_nothing_of_bidding_or_clearing():
    package = Path(apps.get_app_config("auctions").path) / "qualification"
    for path in (package / "services.py", package / "models.py", package / "selectors.py"):
        imported = _imported_names(path)
        assert not imported & LATER_STAGES, path
        assert not {m for m in imported if m.lstrip(".").startswith(("bidding", "clearing", "results"))}, path


def test_bidding_guards_the_approval_of_expected_capacity():
    from auctions.bidding import services as bidding
    from auctions.qualification import services

    assert bidding.qualification_below_bid_refusal in services._approval_guards


def test_results_tell_qualification_who_won_a_main_auction():
    """The additional auctions' rule (qualification) asks the published results through a hook."""
    from auctions.qualification import services
    from auctions.results import selectors

    assert selectors.awarded_resource_ids in services._award_lookups
