"""The home page's auction panel: operator users see the auctions with an open window or a deadline within 60 days,
what is due next, and in an open bid window how many of their qualified resources have an active bid."""

import pytest
from django.urls import reverse

from .conftest import bidding_auction, jst, make_auction, make_bid, make_resource, qualify

pytestmark = pytest.mark.django_db
HEADING = "オークション：受付中の手続と期限"


def home(client):
    return client.get(reverse("home")).content.decode()


def test_an_operator_sees_its_bids_against_its_qualified_resources_and_the_deadline(client_for, user_a, operator_a,
                                                                                     operator_b, user_b):
    auction = bidding_auction(name="追加オークション（実需給2027年度）")
    resources = [make_resource(operator_a) for _ in range(3)]
    for resource in resources:
        qualify(auction, resource, 10_000)
    make_bid(auction, resources[0], quantity_kw=5_000, price_yen=100, user=user_a)
    make_bid(auction, resources[1], quantity_kw=5_000, price_yen=100, user=user_a, status="withdrawn")
    page = home(client_for(user_a))
    assert HEADING in page and "追加オークション（実需給2027年度）" in page
    assert "応札" in page and "有効な応札 1件／参加資格のある電源等 3件" in page
    assert "2026-11-25 18:00 JST" in page and reverse("auctions:bids", kwargs={"pk": auction.pk}) in page
    assert "有効な応札 0件／参加資格のある電源等 0件" in home(client_for(user_b))  # B's own figures, not A's


def test_auctions_far_ahead_or_closed_are_left_out_and_staff_get_no_panel(client_for, user_a, reviewer):
    make_auction(name="遠い先のオークション", registration_opens_at=jst(2027, 6, 1, 9, 0),
                 expected_capacity_deadline=jst(2027, 6, 20, 18, 0), registration_closes_at=jst(2027, 6, 30, 18, 0),
                 bid_opens_at=jst(2027, 7, 10, 9, 0), bid_closes_at=jst(2027, 7, 20, 18, 0),
                 clearing_at=jst(2027, 8, 1, 9, 0), publication_at=jst(2027, 8, 20, 9, 0),
                 contract_conclusion_at=jst(2027, 9, 30, 9, 0))
    assert HEADING not in home(client_for(user_a))
    soon = make_auction(name="登録受付中のオークション")  # its registration window is open at the suite's clock
    page = home(client_for(user_a))
    assert HEADING in page and soon.name in page and "遠い先のオークション" not in page
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

    first = bidding_auction()
    qualify(first, make_resource(operator_a), 10_000)
    one = count()
    for _ in range(5):
        auction = bidding_auction()
        for _ in range(4):
            resource = make_resource(operator_a)
            qualify(auction, resource, 10_000)
            make_bid(auction, resource, quantity_kw=1_000, price_yen=0, user=user_a)
        make_auction()
    assert count() == one
