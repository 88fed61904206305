"""The application kit (architecture.md §3): everything an application type shares.

- `workflow`: the statuses, the transition table and the transition services (`submit`, `start_review`,
  `approve`, `send_back`, `reject`, `withdraw`) — the one place a status changes;
- `base`: the model base of an application about an operator's record (`subject_application(...)`);
- `types`: `ApplicationType`, what one type declares (its model, URLs, apply step, resubmit form) and registers;
- `views`: the operator pages every type gets (list, detail, resubmit, withdraw);
- `admin`: the OCCTO review queue (`ReviewQueueAdmin`);
- `testing`: `ReviewContractTests`, the contract every type's tests subclass.

Import the names from here: `from capacity_market import review` / `from capacity_market.review import …`.
"""

from .base import (
    InfoFields,
    SubjectApplication,
    display_value,
    open_application_constraint,
    subject_application,
)
from .types import (
    NOTHING_DIFFERS,
    ApplicationType,
    CommentForm,
    Editor,
    OpenApplicationExists,
    register,
    registered_types,
    type_for,
)
from .workflow import (
    ALLOWED_TRANSITIONS,
    AWAITING_DECISION,
    OPEN_STATUSES,
    ApplicationKind,
    InvalidTransition,
    NotAllowed,
    ReviewedApplication,
    ReviewError,
    ReviewStatus,
    StaleApplication,
    approve,
    reject,
    send_back,
    start_review,
    submit,
    withdraw,
)

__all__ = [
    "ALLOWED_TRANSITIONS", "NOTHING_DIFFERS", "OpenApplicationExists", "AWAITING_DECISION", "OPEN_STATUSES", "ApplicationKind", "ApplicationType", "CommentForm",
    "Editor", "InfoFields", "InvalidTransition", "NotAllowed", "ReviewError", "ReviewStatus", "ReviewedApplication",
    "StaleApplication", "SubjectApplication", "approve", "display_value", "open_application_constraint", "register",
    "registered_types", "reject", "send_back", "start_review", "subject_application", "submit", "type_for",
    "withdraw",
]
