"""Friction item 1 for expected capacity: the apply page of a resource with an open expected-capacity application
in the auction shows it and the way forward instead of the form (the kit's page); another auction is not held."""

import pytest
from django.urls import reverse

from capacity_market.review import ReviewStatus
from tests.factories import AuctionFactory

from .conftest import apply, approve

pytestmark = pytest.mark.django_db


def test_the_expected_capacity_change_page_shows_the_open_application(client_for, user_a, reviewer, auction,
                                                                      resource_a):
    approve(apply(auction, resource_a, user_a, kw=140_000), reviewer)
    change = apply(auction, resource_a, user_a, kw=130_000)
    page = reverse("auctions:expected_capacity_apply", kwargs={"pk": auction.pk, "resource_pk": resource_a.pk})
    client = client_for(user_a)
    body = client.get(page).content.decode()
    assert 'name="expected_kw"' not in body
    assert f'data-open-application="{change.number}"' in body and "申請中" in body
    assert "/withdraw/?next=" in body
    client.post(reverse("auctions:application_withdraw", kwargs={"pk": change.pk}),
                {"version": change.version, "next": page})
    change.refresh_from_db()
    assert change.status == ReviewStatus.WITHDRAWN
    assert 'name="expected_kw"' in client.get(page).content.decode()


def test_a_returned_expected_capacity_application_waits_for_the_applicant(client_for, user_a, reviewer, auction,
                                                                          resource_a):
    from auctions.qualification import services

    application = apply(auction, resource_a, user_a, kw=140_000)
    services.expected_capacity_applications.send_back(application=application, actor=reviewer,
                                                      comment="根拠資料を添付してください",
                                                      expected_version=application.version)
    page = reverse("auctions:expected_capacity_apply", kwargs={"pk": auction.pk, "resource_pk": resource_a.pk})
    body = client_for(user_a).get(page).content.decode()
    assert "あなたの対応を待っています" in body and "根拠資料を添付してください" in body
    assert reverse("auctions:application_resubmit", kwargs={"pk": application.pk}) in body


def test_an_open_application_in_another_auction_does_not_hold_the_page(client_for, user_a, auction, resource_a):
    other = AuctionFactory(delivery_fiscal_year=2031)
    apply(other, resource_a, user_a, kw=140_000)
    page = reverse("auctions:expected_capacity_apply", kwargs={"pk": auction.pk, "resource_pk": resource_a.pk})
    assert 'name="expected_kw"' in client_for(user_a).get(page).content.decode()
