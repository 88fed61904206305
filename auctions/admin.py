"""The auctions app's OCCTO screens, one module per sub-package, imported here so that the admin finds them."""

from .bidding import admin as bidding_admin  # noqa: F401
from .clearing import admin as clearing_admin  # noqa: F401
from .qualification import admin as qualification_admin  # noqa: F401
from .schedule import admin as schedule_admin  # noqa: F401
