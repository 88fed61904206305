"""The panel auctions adds to a resource's page (`registration.panels`): per auction, the resource's expected
capacity — approved (its participation qualification) or applied for — with links to the auction, the
expected-capacity page, the application and the qualified resources; and, while the window is open, the way to
apply. Three queries (`selectors.auctions_for_resource`)."""

from django.template.loader import render_to_string
from django.utils import timezone

from ..schedule import phases
from . import selectors


def resource_auction_panel(request, resource) -> str:
    now = timezone.now()
    return render_to_string("auctions/qualification/resource_panel.html", {
        "resource": resource, "rows": selectors.auctions_for_resource(resource=resource, now=now),
        "service_open": phases.service_window_open(now),
    }, request=request)
