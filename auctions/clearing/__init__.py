"""The clearing engine (約定処理) and its file format; see ``engine`` and ``io``.

Pure Python: nothing here imports Django or touches the database, so the system's Celery task, the
``clear_auction`` management command and the tests all run the same code. The area and category codes come from
``capacity_market.market_codes`` (plain data, no Django), where registration's model choices come from too.
"""

from capacity_market.market_codes import AREAS, CATEGORIES

from .engine import (
    AuctionInput,
    Award,
    Bid,
    ClearingResult,
    DemandCurve,
    ShortBlock,
    clear,
    upper_price,
)
from .io import (
    InvalidInput,
    input_document,
    load_input,
    parse_input,
    serialise_input,
    serialise_result,
    validate,
)

__all__ = [
    "AREAS",
    "CATEGORIES",
    "AuctionInput",
    "Award",
    "Bid",
    "ClearingResult",
    "DemandCurve",
    "InvalidInput",
    "ShortBlock",
    "clear",
    "input_document",
    "load_input",
    "parse_input",
    "serialise_input",
    "serialise_result",
    "upper_price",
    "validate",
]
