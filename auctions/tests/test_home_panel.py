"""The home page's auction panel: operator users see the auctions with an open window or a deadline within 60 days,
what is due next, and in an open bid window how many of their qualified resources have an active bid."""

import pytest
from django.urls import reverse

from tests.factories import AuctionFactory, BidFactory, ExpectedCapacityFactory, ResourceFactory

from .conftest import jst

pytestmark = pytest.mark.django_db
HEADING = "オークション：受付中の手続と期限"


def home(client):
    return client.get(reverse("home")).content.decode()


def test_an_operator_sees_its_bids_against_its_qualified_resources_and_the_deadline(client_for, user_a, operator_a,
                                                                                     operator_b, user_b):
    auction = AuctionFactory(bidding=True, kind="additional", delivery_fiscal_year=2027)  # named from both
    resources = [ResourceFactory(operator=operator_a, submitted_by=user_a) for _ in range(3)]
    for resource in resources:
        ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=10_000)
    BidFactory(auction=auction, resource=resources[0], quantity_kw=5_000, price_yen=100, submitted_by=user_a)
    BidFactory(auction=auction, resource=resources[1], quantity_kw=5_000, price_yen=100, submitted_by=user_a,
               status="withdrawn")
    page = home(client_for(user_a))
    assert HEADING in page and "追加オークション（実需給2027年度）" in page
    assert "応札" in page and "有効な応札 1件／参加資格のある電源等 3件" in page
    assert "2026-11-25 18:00 JST" in page and reverse("auctions:bids", kwargs={"pk": auction.pk}) in page
    assert "有効な応札 0件／参加資格のある電源等 0件" in home(client_for(user_b))  # B's own figures, not A's


def test_auctions_far_ahead_or_closed_are_left_out_and_staff_get_no_panel(client_for, user_a, reviewer):
    far = AuctionFactory(kind="additional", registration_opens_at=jst(2027, 6, 1, 9, 0),
                   expected_capacity_deadline=jst(2027, 6, 20, 18, 0),
                   registration_closes_at=jst(2027, 6, 30, 18, 0), bid_opens_at=jst(2027, 7, 10, 9, 0),
                   bid_closes_at=jst(2027, 7, 20, 18, 0), clearing_at=jst(2027, 8, 1, 9, 0),
                   publication_at=jst(2027, 8, 20, 9, 0), contract_conclusion_at=jst(2027, 9, 30, 9, 0))
    assert HEADING not in home(client_for(user_a))
    soon = AuctionFactory()  # its registration window is open at the suite's clock
    page = home(client_for(user_a))
    assert HEADING in page and soon.name in page and far.name not in page
    assert reverse("auctions:expected_capacity", kwargs={"pk": soon.pk}) in page
    assert HEADING not in home(client_for(reviewer))


def test_the_panel_runs_the_same_queries_for_one_and_many_auctions_and_resources(client_for, user_a, operator_a,
                                                                                django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        client = client_for(user_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    first = AuctionFactory(bidding=True)
    ExpectedCapacityFactory(auction=first, resource=ResourceFactory(operator=operator_a, submitted_by=user_a),
                            expected_kw=10_000)
    one = count()
    for _ in range(5):
        auction = AuctionFactory(bidding=True)
        for _ in range(4):
            resource = ResourceFactory(operator=operator_a, submitted_by=user_a)
            ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=10_000)
            BidFactory(auction=auction, resource=resource, quantity_kw=1_000, price_yen=0, submitted_by=user_a)
        AuctionFactory()
    assert count() == one
