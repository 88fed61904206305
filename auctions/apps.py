from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Auctions and expected capacity")

    def ready(self) -> None:
        from registration.services import (
            register_change_guard,
            register_deletion_guard,
            register_operator_deletion_guard,
        )

        from .bidding import csv_import as bid_import  # noqa: F401  (register the CSV formats with the import engine)
        from .bidding.services import (
            operator_bid_deletion_refusal,
            qualification_below_bid_refusal,
            resource_bid_deletion_refusal,
        )
        from .qualification import csv_import as expected_capacity_import  # noqa: F401
        from .qualification.services import (
            register_approval_guard,
            register_award_lookup,
            resource_change_refusal,
            resource_deletion_refusal,
        )
        from .results.selectors import awarded_resource_ids

        register_deletion_guard(resource_bid_deletion_refusal)
        register_deletion_guard(resource_deletion_refusal)
        register_operator_deletion_guard(operator_bid_deletion_refusal)
        register_approval_guard(qualification_below_bid_refusal)
        register_award_lookup(awarded_resource_ids)  # additional auctions refuse the main auction's winners
        register_change_guard(resource_change_refusal)

        from capacity_market.home import register_panel

        from .home import auction_panel

        register_panel(auction_panel)

        from registration.panels import register_resource_panel

        from .qualification.resource_panel import resource_auction_panel

        register_resource_panel(resource_auction_panel)
