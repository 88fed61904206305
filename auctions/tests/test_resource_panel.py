"""A resource's page shows, per auction, its expected capacity and qualification with links (issue #9 §2 item 13):
auctions plugs the panel into registration's page through `registration.panels` (registration imports no auction
module)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Resource
from tests.factories import (
    AuctionFactory,
    ExpectedCapacityApplicationFactory,
    ExpectedCapacityFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db


def _page(client, resource) -> str:
    response = client.get(reverse("registration:resource_detail", kwargs={"pk": resource.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str) -> str:
    start = page.index('id="resource-auctions"')
    return page[start:page.index("</section>", start)]


def test_the_page_links_each_auction_with_the_resources_expected_capacity_and_qualification(
        client_for, user_a, resource_a, auction):
    qualified_in = AuctionFactory(bidding=True)  # its expected-capacity window is closed now
    ExpectedCapacityFactory(auction=qualified_in, resource=resource_a, expected_kw=12_345, submitted_by=user_a)
    pending = ExpectedCapacityApplicationFactory(auction=auction, resource=resource_a, expected_kw=5_000,
                                                 submitted_by=user_a)
    unrelated = AuctionFactory(bids_closed=True)  # no application, window closed: not listed

    panel = _panel(_page(client_for(user_a), resource_a))

    assert str(qualified_in) in panel and str(auction) in panel and str(unrelated) not in panel
    assert reverse("auctions:detail", kwargs={"pk": qualified_in.pk}) in panel
    assert reverse("auctions:expected_capacity", kwargs={"pk": qualified_in.pk}) + f"#resource-{resource_a.pk}" in panel
    assert "12,345" in panel
    assert reverse("auctions:qualified", kwargs={"pk": qualified_in.pk}) + f"#resource-{resource_a.pk}" in panel
    assert "参加資格あり" in panel
    assert reverse("auctions:application_detail", kwargs={"pk": pending.pk}) in panel and pending.number in panel
    # The open application waits for its decision: no second one is offered.
    assert reverse("auctions:expected_capacity_apply", kwargs={"pk": auction.pk, "resource_pk": resource_a.pk}) \
        not in panel


def test_an_open_expected_capacity_window_offers_to_register(client_for, user_a, resource_a, auction):
    panel = _panel(_page(client_for(user_a), resource_a))
    assert str(auction) in panel
    assert reverse("auctions:expected_capacity_apply", kwargs={"pk": auction.pk, "resource_pk": resource_a.pk}) in panel


def test_a_deleted_resource_shows_its_history_and_offers_nothing(client_for, user_a, resource_a, auction):
    other = AuctionFactory(bidding=True)
    ExpectedCapacityFactory(auction=other, resource=resource_a, expected_kw=2_000, submitted_by=user_a)
    Resource.objects.filter(pk=resource_a.pk).update(is_active=False)  # as a decided deletion leaves it
    panel = _panel(_page(client_for(user_a), resource_a))
    assert str(other) in panel and "2,000" in panel
    assert str(auction) not in panel, "an open window is no business of a deleted resource"
    assert f"/expected-capacity/{resource_a.pk}/" not in panel


def test_the_panel_reads_in_english(client_for, user_a, resource_a, auction):
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    panel = _panel(_page(client, resource_a))
    assert "Expected capacity and qualification by auction" in panel and "Main auction (delivery FY2030)" in panel


def test_the_resource_page_runs_the_same_queries_with_one_or_many_auctions(client_for, user_a, operator_a, auction):
    few = ResourceFactory(operator=operator_a, submitted_by=user_a)
    many = ResourceFactory(operator=operator_a, submitted_by=user_a)
    for _n in range(3):
        ExpectedCapacityFactory(auction=AuctionFactory(bidding=True), resource=many,
                                submitted_by=user_a)
    ExpectedCapacityApplicationFactory(auction=auction, resource=many, submitted_by=user_a)
    client = client_for(user_a)
    _page(client, few)
    counts = []
    for resource in (few, many):
        with CaptureQueriesContext(connection) as queries:
            _page(client, resource)
        counts.append(len(queries))
    assert counts[0] == counts[1]
