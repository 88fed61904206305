"""Issue #9 §1 Results: the published total is labelled before the transitional deduction (経過措置控除前) until the
auction's contracts exist, and the awards CSV carries the result of each bid (落札 / 非落札 / DR上限により除外) as the
page does."""

import csv
import io

import pytest
from django.urls import reverse

from auctions.models import Auction
from auctions.results import selectors as results
from tests.factories import BidFactory, ResourceFactory

from .results_support import small_auction, store_run

pytestmark = pytest.mark.django_db


def url(name, auction):
    return reverse(f"auctions:{name}", kwargs={"pk": auction.pk})


@pytest.fixture
def published(user_a, occto_admin):
    """Fixed supply 100,000 kW, DR cap 30,000 kW: A's dispatch 40,000 @ 1,000 is over the cap (excluded); then
    350,000 @ 0 (S 450,000, D 12,593.75) and 100,000 @ 9,000 (S 550,000, D 5,037.5 ≤ 9,000): the price is 9,000,
    both win, and 100,000 @ 14,000 loses."""
    auction = small_auction(dr_cap_kw=30_000)

    def bid(quantity_kw, price_yen, **resource):
        resource = ResourceFactory(operator=user_a.operator, submitted_by=user_a, **resource)
        return BidFactory(auction=auction, resource=resource, submitted_by=user_a, quantity_kw=quantity_kw,
                          price_yen=price_yen)

    bids = {"won": bid(350_000, 0, name="A基幹火力", installed_kw=350_000),
            "mid": bid(100_000, 9_000, name="A中間火力"),
            "dr": bid(40_000, 1_000, name="A需要応答", category="dispatch", generation_type="dr"),
            "lost": bid(100_000, 14_000, name="Aピーク火力", installed_kw=200_000)}
    run = store_run(auction, started_by=occto_admin, publish=True)
    return run, bids


@pytest.fixture
def contracts_hook():
    """What the contracts app will register: the total after the deduction, for auctions that have contracts."""
    def total(auction):
        return 1_234_567 if auction.name == "契約あり" else None

    results.register_contract_total(total)
    yield
    results._contract_totals.remove(total)


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))


def test_the_awards_csv_carries_the_result_of_each_bid_as_the_page_does(published, client_for, user_a):
    run, bids = published
    client = client_for(user_a)
    rows = read_csv(client.get(url("results_awards_csv", run.auction)))
    assert rows[0][6] == "結果" and rows[0][-1] == "金額(円・経過措置控除前)"
    result = {row[1]: row[6] for row in rows[1:]}
    assert result == {"A基幹火力": "落札", "A中間火力": "落札", "A需要応答": "DR上限により除外", "Aピーク火力": "非落札"}
    page = client.get(url("results", run.auction)).content.decode()
    for label in result.values():
        assert f">{label}</span>" in page


def test_the_awards_csv_is_in_japanese_for_an_english_user(published, client_for, user_a):
    run, _bids = published
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    rows = read_csv(client.get(url("results_awards_csv", run.auction)))
    assert {row[6] for row in rows[1:]} == {"落札", "DR上限により除外", "非落札"}
    assert ">Excluded by the DR cap</span>" in client.get(url("results", run.auction)).content.decode()


def test_until_contracts_exist_the_total_is_labelled_before_the_transitional_deduction(published, client_for, user_a,
                                                                                      contracts_hook):
    run, _bids = published
    page = client_for(user_a).get(url("results", run.auction)).content.decode()
    assert "約定総額（経過措置控除前、円）" in page and 'id="deduction-note"' in page
    assert 'id="total-after-deduction"' not in page and "金額（経過措置控除前、円）" in page


def test_once_contracts_exist_the_total_after_the_deduction_is_shown_too(published, client_for, user_a,
                                                                        contracts_hook):
    run, _bids = published
    Auction.objects.filter(pk=run.auction_id).update(name="契約あり")
    page = client_for(user_a).get(url("results", run.auction)).content.decode()
    assert "約定総額（経過措置控除前、円）" in page
    assert '<td class="num" id="total-after-deduction">1,234,567</td>' in page and 'id="deduction-note"' not in page


def test_the_labels_read_in_english(published, client_for, user_a):
    run, _bids = published
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(url("results", run.auction)).content.decode()
    assert "Total amount before the transitional deduction (yen)" in page and "Amount before deduction (yen)" in page
