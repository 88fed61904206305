"""The auctions app's models, one module per sub-package, gathered here so that Django finds them all.

- `schedule.models`: auctions (オークション), their phases' instants and parameters, the reminders sent;
- `qualification.models`: expected capacity (期待容量) and the participation qualification (参加資格);
- `bidding.models`: bids (応札), their versions and the submission receipts;
- `clearing.models`: short blocks, clearing runs (約定処理) and every bid's outcome.

An auction's phases are exact aware instants (shown in JST); whether a phase is open is derived from the clock
and the service window (`auctions.schedule.phases`), never stored.
"""

from .bidding.models import Bid, BidAction, BidSource, BidStatus, BidSubmission, BidVersion
from .clearing.models import (
    RUN_STATUSES_WITH_RESULTS,
    ClearingOutcome,
    ClearingRun,
    ClearingRunStatus,
    ShortBlock,
)
from .qualification.models import (
    ExpectedCapacity,
    ExpectedCapacityApplication,
    ExpectedCapacityInfo,
    computed_expected_kw,
    is_variable,
)
from .schedule.models import (
    DEADLINE_FIELDS,
    PHASE_FIELDS,
    UPPER_PRICE_FACTOR,
    AdjustmentFactor,
    AreaDrCap,
    Auction,
    AuctionKind,
    FixedSupplyItem,
    SentReminder,
    TransitionalDeductionCoefficient,
    truncate_kw,
)

__all__ = [
    "DEADLINE_FIELDS", "PHASE_FIELDS", "RUN_STATUSES_WITH_RESULTS", "UPPER_PRICE_FACTOR", "AdjustmentFactor",
    "AreaDrCap", "Auction", "AuctionKind", "Bid", "BidAction", "BidSource", "BidStatus", "BidSubmission", "BidVersion",
    "ClearingOutcome", "ClearingRun", "ClearingRunStatus", "ExpectedCapacity", "ExpectedCapacityApplication",
    "ExpectedCapacityInfo", "FixedSupplyItem", "SentReminder", "ShortBlock", "TransitionalDeductionCoefficient",
    "computed_expected_kw", "is_variable", "truncate_kw",
]
