"""Published results: the read-side selectors (aggregate sums, scoping, publication) and the results pages and CSVs
for every persona, with constant query counts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auctions.models import AdjustmentFactor, Bid, ClearingRun
from auctions.results import selectors as results
from tests.factories import BidFactory, ResourceFactory

from .results_support import small_auction, store_run

pytestmark = pytest.mark.django_db


def url(name, auction):
    return reverse(f"auctions:{name}", kwargs={"pk": auction.pk})


@pytest.fixture
def market(operator_a, operator_b, user_a, user_b):
    """Fixed supply 100,000 kW on the small curve (P_up to 400,000 kW, Net CONE at 500,000, 0 at 600,000):
    A 200,000 @ 0 (Tokyo, stable), 100,000 @ 5,000 (Hokkaido, variable), 50,000 @ 9,000 (Tokyo, stable),
    100,000 @ 14,000 (Tokyo, stable); B 100,000 @ 8,000 (Kyushu, dispatch). At 9,000 the supply is 550,000 kW and
    D = 5,037.5 ≤ 9,000: the national price is 9,000 and A's 14,000 bid loses."""
    auction = small_auction()
    # The solar resource qualifies for 200,000 kW × 0.5 = 100,000 kW.
    AdjustmentFactor.objects.create(auction=auction, generation_type="solar", area="hokkaido", factor="0.5")

    def bid(user, quantity_kw, price_yen, **resource):
        resource = ResourceFactory(operator=user.operator, submitted_by=user, **resource)
        return BidFactory(auction=auction, resource=resource, submitted_by=user, quantity_kw=quantity_kw,
                          price_yen=price_yen)

    a = {
        "base": bid(user_a, 200_000, 0, name="A基幹火力", installed_kw=200_000),
        "solar": bid(user_a, 100_000, 5_000, name="A太陽光", area="hokkaido", category="variable",
                     generation_type="solar", can_adjust_output=False, installed_kw=200_000),
        "mid": bid(user_a, 50_000, 9_000, name="A中間火力"),
        "peak": bid(user_a, 100_000, 14_000, name="Aピーク火力"),
    }
    b = bid(user_b, 100_000, 8_000, name="B需要応答", area="kyushu", category="dispatch", generation_type="dr")
    return auction, a, b


@pytest.fixture
def published(market, occto_admin):
    auction, a, b = market
    return store_run(auction, started_by=occto_admin, publish=True), a, b


# --- selectors -----------------------------------------------------------------------------------------------------
def test_the_aggregate_sums_awarded_kw_by_area_and_category_with_totals(published, django_assert_num_queries):
    run, _a, _b = published
    assert run.national_price == 9_000
    with django_assert_num_queries(1):
        agg = results.aggregate(run=run)
    cells = {(row.area, key): kw for row in agg.rows for (key, _label), kw in zip(agg.categories, row.cells,
                                                                                  strict=True)}
    assert cells[("tokyo", "stable")] == 250_000
    assert cells[("hokkaido", "variable")] == 100_000
    assert cells[("kyushu", "dispatch")] == 100_000
    assert sum(cells.values()) == 450_000
    assert [row.total_kw for row in agg.rows if row.total_kw] == [100_000, 250_000, 100_000]  # AREAS order
    assert agg.column_totals == [250_000, 100_000, 0, 100_000]
    assert agg.awarded_kw == 450_000 == run.awarded_kw
    assert agg.amount_yen == 450_000 * 9_000 == run.total_amount_yen
    assert (agg.awarded_count, agg.bid_count) == (4, 5)
    assert all(isinstance(v, int) for v in (agg.awarded_kw, agg.amount_yen, *agg.column_totals))
    assert [p.price for p in agg.area_prices] == [9_000] * 9 and not any(p.short_block for p in agg.area_prices)


def test_short_block_areas_carry_their_block_and_price(market, occto_admin):
    auction, _a, _b = market
    run = store_run(auction, started_by=occto_admin, publish=True,
                    short_blocks=[{"name": "東京ブロック", "areas": ["tokyo"], "additional_kw": 50_000}])
    agg = results.aggregate(run=run)
    prices = {p.area: p for p in agg.area_prices}
    assert prices["tokyo"].price == 13_500 and prices["tokyo"].short_block == "東京ブロック"  # min(14,000, 1.5×9,000)
    assert prices["kansai"].price == 9_000 and prices["kansai"].short_block == ""
    assert agg.awarded_kw == 550_000 and agg.awarded_count == 5


def test_own_outcomes_are_scoped_to_the_users_operator(published, user_a, user_b, reviewer):
    run, a, b = published
    own_a = results.own_outcomes(run=run, user=user_a)
    assert {o.bid_id for o in own_a} == {bid.pk for bid in a.values()}
    assert [o.bid_id for o in results.own_outcomes(run=run, user=user_b)] == [b.pk]
    assert results.own_outcomes(run=run, user=reviewer) == []
    totals = results.own_totals(own_a)
    assert (totals.awarded_kw, totals.amount_yen, totals.awarded_count, totals.bid_count) == (
        350_000, 350_000 * 9_000, 3, 4)
    loser = next(o for o in own_a if o.bid_id == a["peak"].pk)
    assert (loser.awarded_kw, loser.paid_price, loser.amount_yen) == (0, None, 0)


def test_an_unpublished_run_is_invisible(market, occto_admin):
    auction, _a, _b = market
    store_run(auction, started_by=occto_admin)
    assert results.published_run(auction=auction) is None


def test_a_re_run_that_is_not_published_is_invisible(published, occto_admin):
    run, a, _b = published
    auction = run.auction
    Bid.objects.filter(pk=a["peak"].pk).update(price_yen=1)
    rerun = store_run(auction, started_by=occto_admin)
    assert rerun.national_price != run.national_price or rerun.awarded_kw != run.awarded_kw
    assert results.published_run(auction=auction) == run


def test_the_page_shows_the_published_run_not_a_later_re_run(published, occto_admin, client_for, user_a):
    run, a, _b = published
    Bid.objects.filter(pk=a["base"].pk).update(quantity_kw=1)
    rerun = store_run(run.auction, started_by=occto_admin)
    assert rerun.awarded_kw != run.awarded_kw
    page = client_for(user_a).get(url("results", run.auction)).content.decode()
    assert f"{run.awarded_kw:,}" in page and f"{rerun.awarded_kw:,}" not in page


def test_names_are_escaped_on_the_page(market, occto_admin, client_for, user_a):
    auction, a, _b = market
    a["base"].resource.__class__.objects.filter(pk=a["base"].resource.pk).update(name="<script>x</script>")
    store_run(auction, started_by=occto_admin, publish=True,
              short_blocks=[{"name": "<b>北</b>", "areas": ["tokyo"], "additional_kw": 1}])
    page = client_for(user_a).get(url("results", auction)).content.decode()
    assert "<script>x" not in page and "&lt;script&gt;x" in page
    assert "<b>北" not in page and "&lt;b&gt;北" in page


def test_a_run_of_another_auction_is_not_this_auctions_result(published):
    other = small_auction()
    assert results.published_run(auction=other) is None


# --- the results page ----------------------------------------------------------------------------------------------
def test_operator_a_sees_its_awards_the_aggregate_and_the_chart(published, client_for, user_a):
    run, a, b = published
    page = client_for(user_a).get(url("results", run.auction)).content.decode()
    for bid in a.values():
        assert bid.resource.grid_code in page
    assert b.resource.grid_code not in page and "B需要応答" not in page
    assert "自社の落札結果" in page and "落札" in page and "非落札" in page
    assert "4,050,000,000" in page  # the total amount
    assert "3,150,000,000" in page  # A's own amount: 350,000 kW × 9,000
    assert "<svg" in page and "供給曲線と需要曲線" in page and "<details>" in page
    assert url("results_awards_csv", run.auction) in page and url("results_summary_csv", run.auction) in page


def test_operator_b_never_sees_a_s_awards(published, client_for, user_b):
    run, a, b = published
    page = client_for(user_b).get(url("results", run.auction)).content.decode()
    assert b.resource.grid_code in page
    assert not [bid for bid in a.values() if bid.resource.grid_code in page or bid.resource.name in page]
    assert "900,000,000" in page  # B's amount: 100,000 kW paid the national price 9,000


def test_occto_staff_see_only_the_aggregate(published, client_for, reviewer):
    run, a, b = published
    page = client_for(reviewer).get(url("results", run.auction)).content.decode()
    assert "自社の落札結果" not in page and "<svg" in page and "4,050,000,000" in page
    assert not [bid for bid in (*a.values(), b) if bid.resource.grid_code in page]
    assert url("results_awards_csv", run.auction) not in page


def test_before_publication_the_page_says_so_and_shows_no_number(market, occto_admin, client_for, user_a):
    auction, a, _b = market
    store_run(auction, started_by=occto_admin)
    response = client_for(user_a).get(url("results", auction))
    page = response.content.decode()
    assert response.status_code == 200 and "まだ公表されていません" in page
    assert "9,000" not in page and "450,000" not in page and "<svg" not in page
    assert a["base"].resource.grid_code not in page
    assert url("results_awards_csv", auction) not in page


@pytest.mark.parametrize("name", ["results", "results_awards_csv", "results_summary_csv"])
def test_anonymous_visitors_are_sent_to_log_in(published, client, name):
    run, _a, _b = published
    response = client.get(url(name, run.auction))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["results", "results_awards_csv", "results_summary_csv"])
def test_posts_are_refused(published, client_for, user_a, name):
    run, _a, _b = published
    assert client_for(user_a).post(url(name, run.auction)).status_code == 405


def test_a_missing_auction_is_404(client_for, user_a):
    for name in ("results", "results_awards_csv", "results_summary_csv"):
        assert client_for(user_a).get(reverse(f"auctions:{name}", kwargs={"pk": 999_999})).status_code == 404


def test_the_page_reads_in_english(published, client_for, user_a):
    run, _a, _b = published
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(url("results", run.auction)).content.decode()
    assert "Your awards" in page and "Supply curve and demand curve" in page and "Capacity (10,000 kW)" in page


# --- CSVs ----------------------------------------------------------------------------------------------------------
def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_awards_csv_lists_the_operators_own_outcomes(published, client_for, user_a):
    run, a, _b = published
    response = client_for(user_a).get(url("results_awards_csv", run.auction))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == list(results.AWARDS_CSV_HEADERS)
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {bid.resource.grid_code for bid in a.values()}
    assert by_code[a["solar"].resource.grid_code] == [
        a["solar"].resource.grid_code, "A太陽光", "北海道", "変動電源(単独)", "100000", "5000", "落札", "100000", "9000",
        "900000000"]
    assert by_code[a["peak"].resource.grid_code][6:] == ["非落札", "0", "", "0"]


def test_operator_b_downloads_only_its_own_awards(published, client_for, user_b):
    run, a, b = published
    rows = read_csv(client_for(user_b).get(url("results_awards_csv", run.auction)))
    assert [row[0] for row in rows[1:]] == [b.resource.grid_code]


def test_the_summary_csv_has_area_prices_and_kw_by_area_and_category(published, client_for, user_b, reviewer):
    run, _a, _b = published
    for user in (user_b, reviewer):
        rows = read_csv(client_for(user).get(url("results_summary_csv", run.auction)))
        assert rows[0][:3] == ["エリア", "エリアプライス(円/kW)", "不足ブロック"] and rows[0][-1] == "落札容量 合計(kW)"
        tokyo = next(row for row in rows if row[0] == "東京")
        assert tokyo[1] == "9000" and tokyo[3] == "250000" and tokyo[-1] == "250000"
        assert rows[-1][0] == "合計" and rows[-1][-1] == "450000"
        assert len(rows) == 1 + 9 + 1


def test_occto_staff_have_no_awards_csv(published, client_for, reviewer, occto_admin):
    run, _a, _b = published
    for user in (reviewer, occto_admin):
        assert client_for(user).get(url("results_awards_csv", run.auction)).status_code == 404


def test_the_csvs_answer_404_before_publication(market, occto_admin, client_for, user_a, reviewer):
    auction, _a, _b = market
    store_run(auction, started_by=occto_admin)
    assert client_for(user_a).get(url("results_awards_csv", auction)).status_code == 404
    assert client_for(user_a).get(url("results_summary_csv", auction)).status_code == 404
    assert client_for(reviewer).get(url("results_summary_csv", auction)).status_code == 404


def test_publishing_makes_the_results_appear(market, occto_admin, client_for, user_a):
    auction, _a, _b = market
    run = store_run(auction, started_by=occto_admin)
    client = client_for(user_a)
    assert "まだ公表されていません" in client.get(url("results", auction)).content.decode()
    ClearingRun.objects.filter(pk=run.pk).update(status="published", published_at=timezone.now(),
                                                 published_by=occto_admin)
    assert "自社の落札結果" in client.get(url("results", auction)).content.decode()
    assert client.get(url("results_awards_csv", auction)).status_code == 200


# --- links from the auction pages ----------------------------------------------------------------------------------
def test_the_auction_pages_link_to_published_results_only(market, occto_admin, client_for, user_a):
    auction, _a, _b = market
    client = client_for(user_a)
    run = store_run(auction, started_by=occto_admin)
    target = url("results", auction)
    assert target not in client.get(url("detail", auction)).content.decode()
    assert target not in client.get(reverse("auctions:list")).content.decode()
    ClearingRun.objects.filter(pk=run.pk).update(status="published", published_at=timezone.now(),
                                                 published_by=occto_admin)
    assert target in client.get(url("detail", auction)).content.decode()
    assert target in client.get(reverse("auctions:list")).content.decode()


# --- query counts --------------------------------------------------------------------------------------------------
def _count(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_run_the_same_queries_for_1_and_50_outcomes(operator_a, user_a, occto_admin, client_for,
                                                              reviewer):
    one_auction, many_auction = small_auction(), small_auction()
    BidFactory(auction=one_auction, submitted_by=user_a, quantity_kw=10_000, price_yen=1_000)
    for i in range(50):
        BidFactory(auction=many_auction, submitted_by=user_a, quantity_kw=10_000 + i, price_yen=100 * i,
                   resource__area=("tokyo", "kansai", "kyushu")[i % 3],
                   resource__category=("stable", "dispatch")[i % 2])
    store_run(one_auction, started_by=occto_admin, publish=True)
    store_run(many_auction, started_by=occto_admin, publish=True)
    for user in (user_a, reviewer):
        client = client_for(user)
        for name in ("results", "results_summary_csv") + (("results_awards_csv",) if user == user_a else ()):
            assert _count(client, url(name, one_auction)) == _count(client, url(name, many_auction)), (user, name)
