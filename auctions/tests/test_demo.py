"""The demo data holds an auction in its registration window, with qualified and pending expected capacity."""

import pytest
from django.core.management import call_command

from auctions.models import Auction, ExpectedCapacity, ExpectedCapacityApplication

pytestmark = pytest.mark.django_db


def test_the_demo_auction_is_in_its_registration_window_with_parameters_and_expected_capacity():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    auction = Auction.objects.get()
    assert auction.phase_state().registration_open
    assert auction.adjustment_factors.count() == 18 and auction.fixed_supply_items.count() == 3
    assert ExpectedCapacity.objects.filter(auction=auction).count() == 2
    pending = ExpectedCapacityApplication.objects.filter(status="submitted")
    assert pending.count() == 2 and all(application.working for application in pending)
