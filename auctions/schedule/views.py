"""Operator pages of the auction schedule: the list of auctions and one auction's phases and links."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ..bidding import selectors as bid_selectors
from . import phases, selectors


@login_required
@require_http_methods(["GET"])
def auction_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    service_open = phases.service_window_open(now)
    rows = [(auction, phases.phase_state(auction, now, service_open=service_open))
            for auction in selectors.auction_list()]
    return render(request, "auctions/schedule/auction_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET"])
def auction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    auction = selectors.auction_get(pk=pk)
    state = auction.phase_state()
    is_operator = request.user.operator_id is not None
    return render(request, "auctions/schedule/auction_detail.html", {
        "auction": auction,
        "area_dr_caps": selectors.area_dr_caps(auction),
        "state": state,
        "is_operator": is_operator,
        "show_bids": is_operator and (state.bid_by_clock or bid_selectors.has_bids(user=request.user,
                                                                                    auction=auction)),
    })
