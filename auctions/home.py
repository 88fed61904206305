"""The home page's auction panel for operator users: the auctions with a window open or a deadline ahead, what is
due next, and for an open bid window how many of the operator's qualified resources have an active bid.

Three queries whatever the number of auctions and resources (the auctions, the qualifications and the bids, each
counted per auction in one grouped query)."""

import datetime as dt

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Auction, Bid, BidStatus, ExpectedCapacity
from .schedule import phases

# Auctions whose next deadline is this close are shown even before their window opens.
LOOKAHEAD = dt.timedelta(days=60)


def auction_panel(request) -> str | None:
    user = request.user
    if not user.is_authenticated or user.operator_id is None:
        return None
    now = timezone.now()
    service_open = phases.service_window_open(now)
    rows = []
    for auction in Auction.objects.filter(bid_closes_at__gt=now).order_by("bid_closes_at", "pk"):
        state = phases.phase_state(auction, now, service_open=service_open)
        deadline = state.next_deadline
        open_by_clock = state.registration_by_clock or state.expected_capacity_by_clock or state.bid_by_clock
        if open_by_clock or (deadline is not None and deadline.at - now <= LOOKAHEAD):
            rows.append({"auction": auction, "state": state, "deadline": deadline})
    if not rows:
        return None
    bidding = [row["auction"].pk for row in rows if row["state"].bid_by_clock]
    qualified, bid = {}, {}
    if bidding:
        qualified = dict(ExpectedCapacity.objects.filter(
            auction_id__in=bidding, resource__operator_id=user.operator_id, resource__is_active=True)
            .values_list("auction_id").annotate(n=Count("pk")).order_by())
        bid = dict(Bid.objects.filter(auction_id__in=bidding, operator_id=user.operator_id, status=BidStatus.ACTIVE)
                   .values_list("auction_id").annotate(n=Count("pk")).order_by())
    for row in rows:
        pk = row["auction"].pk
        row["qualified"], row["bids"] = qualified.get(pk, 0), bid.get(pk, 0)
    return render_to_string("auctions/schedule/home_panel.html", {"rows": rows}, request=request)
