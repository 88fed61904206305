"""Additional auctions (追加オークション): only resources that lost or did not bid in the main auction of the same delivery
year take part (domain.md §2). A winner of that main auction's published result gets no qualification (its
application is refused and cannot be approved), cannot bid, and its pages say why, in Japanese and English."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from auctions.bidding import services as bidding
from auctions.models import Bid, ClearingOutcome, ExpectedCapacity, ExpectedCapacityApplication
from auctions.qualification import services
from capacity_market.errors import DomainError
from tests import factories
from tests.factories import AuctionFactory, BidFactory, ExpectedCapacityFactory, ResourceFactory

from .conftest import apply, approve
from .results_support import SMALL_CURVE, store_run

pytestmark = pytest.mark.django_db

YEAR = 2035
MAIN_NAME = "メインオークション（実需給2035年度）"
REASON_EN = "This resource won in “Main auction (delivery FY2035)”, the main auction of the same delivery year."
REASON_JA = "この電源等は、同じ実需給年度のメインオークション「メインオークション（実需給2035年度）」で落札しています。"
NOTE_JA = "追加オークションです。"


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched in English (pages set their own language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def main_auction(db):
    return AuctionFactory(bids_closed=True, delivery_fiscal_year=YEAR, name=MAIN_NAME, dr_cap_kw=None, **SMALL_CURVE)


@pytest.fixture
def resources(main_auction, operator_a, user_a, operator_b, user_b):
    """The main auction's bids: the winner (100,000 kW at 0) and the other operator's bid (50,000 kW at 5,000 yen)
    win at 5,000 yen; the loser (100,000 kW at 14,000 yen) does not. A fourth resource never bid."""
    winner = ResourceFactory(operator=operator_a, submitted_by=user_a, name="落札電源")
    loser = ResourceFactory(operator=operator_a, submitted_by=user_a, name="非落札電源")
    absent = ResourceFactory(operator=operator_a, submitted_by=user_a, name="未応札電源")
    other = ResourceFactory(operator=operator_b, submitted_by=user_b, name="他社電源")
    for resource, kw, price, user in ((winner, 100_000, 0, user_a), (loser, 100_000, 14_000, user_a),
                                      (other, 50_000, 5_000, user_b)):
        BidFactory(auction=main_auction, resource=resource, quantity_kw=kw, price_yen=price, submitted_by=user)
    return winner, loser, absent


def publish_main(main_auction, occto_admin, *, publish=True):
    run = store_run(main_auction, started_by=occto_admin, publish=publish, fixed_supply_kw=450_000)
    awarded = dict(ClearingOutcome.objects.filter(run=run).values_list("bid__resource__name", "awarded_kw"))
    assert awarded == {"落札電源": 100_000, "非落札電源": 0, "他社電源": 50_000}
    return run


@pytest.fixture
def published(main_auction, resources, occto_admin):
    publish_main(main_auction, occto_admin)
    return resources


@pytest.fixture
def additional(db):
    """The additional auction of the same delivery year, its registration window open at the suite's clock."""
    return AuctionFactory(kind="additional", delivery_fiscal_year=YEAR, name="追加オークション（実需給2035年度）",
                          dr_cap_kw=None, **SMALL_CURVE)


# --- the rule (qualification services) ------------------------------------------------------------------------------
def test_a_main_auction_winner_cannot_apply_in_the_additional_auction_of_the_same_year(published, additional,
                                                                                        user_a, reviewer):
    winner, loser, absent = published
    with pytest.raises(DomainError) as refused:
        apply(additional, winner, user_a, 50_000)
    assert refused.value.message.startswith(REASON_EN)
    assert "cannot be qualified for this auction or bid in it" in refused.value.message
    assert not ExpectedCapacityApplication.objects.filter(resource=winner, auction=additional).exists()
    # The main auction's loser and a resource that did not bid there take part.
    for resource in (loser, absent):
        approve(apply(additional, resource, user_a, 50_000), reviewer)
    assert set(ExpectedCapacity.objects.filter(auction=additional).values_list("resource__name", flat=True)) == {
        "非落札電源", "未応札電源"}


def test_the_rule_reads_only_the_main_auction_of_the_same_delivery_year(published, user_a, reviewer):
    winner, _loser, _absent = published
    later = AuctionFactory(kind="additional", delivery_fiscal_year=YEAR + 1)
    other_main = AuctionFactory(kind="main", delivery_fiscal_year=YEAR + 1)
    for auction in (later, other_main):
        approve(apply(auction, winner, user_a, 50_000), reviewer)
    assert services.ineligible_reasons(auction=later, resource_ids=[winner.pk]) == {}


def test_nobody_is_refused_while_the_main_result_is_not_published(main_auction, resources, additional, occto_admin,
                                                                   user_a, reviewer):
    winner, _loser, _absent = resources
    assert services.participation_refusal(auction=additional, resource=winner) is None  # no result at all
    publish_main(main_auction, occto_admin, publish=False)  # a run that is not the published result
    approve(apply(additional, winner, user_a, 50_000), reviewer)
    assert ExpectedCapacity.objects.filter(resource=winner, auction=additional).exists()


def test_an_additional_auction_without_a_main_auction_of_its_year_refuses_nobody(additional, user_a, reviewer,
                                                                                 operator_a):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a)
    approve(apply(additional, resource, user_a, 50_000), reviewer)


def test_an_application_filed_before_the_main_result_cannot_be_approved_after_it(main_auction, resources, additional,
                                                                                 occto_admin, user_a, reviewer):
    winner, loser, _absent = resources
    application = apply(additional, winner, user_a, 50_000)
    kept = apply(additional, loser, user_a, 50_000)
    publish_main(main_auction, occto_admin)
    with pytest.raises(DomainError, match=re.escape(REASON_EN)):
        approve(application, reviewer)
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not ExpectedCapacity.objects.filter(resource=winner, auction=additional).exists()
    approve(kept, reviewer)  # the loser's is approved as usual
    # Returned for correction, it cannot be resubmitted either.
    services.expected_capacity_applications.send_back(application=application, actor=reviewer,
                                                      expected_version=application.version, comment="確認")
    application.refresh_from_db()
    with pytest.raises(DomainError, match=re.escape(REASON_EN)):
        services.resubmit_expected_capacity_application(application=application, actor=user_a, expected_kw=40_000,
                                                        expected_version=application.version)


def test_a_winner_qualified_before_the_main_result_cannot_bid_after_it(main_auction, resources, occto_admin, user_a):
    winner, loser, _absent = resources
    additional = AuctionFactory(kind="additional", bidding=True, delivery_fiscal_year=YEAR, dr_cap_kw=None,
                                **SMALL_CURVE)
    for resource in (winner, loser):
        ExpectedCapacityFactory(auction=additional, resource=resource, expected_kw=50_000, submitted_by=user_a)
    publish_main(main_auction, occto_admin)
    with pytest.raises(bidding.BidsInvalid) as refused:
        bidding.submit_bids(auction=additional, actor=user_a, idempotency_key=uuid.uuid4(),
                            entries=[(winner.pk, 10_000, 1_000, None), (loser.pk, 10_000, 1_000, None)])
    assert [(e.index, e.field) for e in refused.value.errors] == [(0, "resource")]
    assert refused.value.errors[0].message.startswith(REASON_EN)
    assert not Bid.objects.filter(auction=additional).exists()
    bidding.submit_bids(auction=additional, actor=user_a, idempotency_key=uuid.uuid4(),
                        entries=[(loser.pk, 10_000, 1_000, None)])
    assert list(Bid.objects.filter(auction=additional).values_list("resource__name", flat=True)) == ["非落札電源"]


# --- the pages say why ------------------------------------------------------------------------------------------------
def url(name, **kwargs):
    return reverse(f"auctions:{name}", kwargs=kwargs)


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_the_expected_capacity_pages_say_why_in_japanese_and_english(published, additional, client_for, user_a):
    winner, loser, _absent = published
    client = client_for(user_a)
    page = client.get(url("expected_capacity", pk=additional.pk)).content.decode()
    assert page.count(REASON_JA) == 1 and "参加不可" in page
    assert NOTE_JA in page  # the note on who may take part
    assert url("expected_capacity_apply", pk=additional.pk, resource_pk=loser.pk) in page
    assert url("expected_capacity_apply", pk=additional.pk, resource_pk=winner.pk) not in page
    apply_url = url("expected_capacity_apply", pk=additional.pk, resource_pk=winner.pk)
    form_page = client.get(apply_url).content.decode()
    assert REASON_JA in form_page and 'method="post"' not in form_page.split('id="form-title"')[1].split("</section>")[0]
    assert 'method="post"' in client.get(url("expected_capacity_apply", pk=additional.pk,
                                             resource_pk=loser.pk)).content.decode()
    # A POST anyway is refused with the reason, and nothing is stored.
    response = client.post(apply_url, {"expected_kw": "50000", "applicant_comment": ""})
    assert response.status_code == 200 and REASON_JA in response.content.decode()
    assert not ExpectedCapacityApplication.objects.filter(resource=winner, auction=additional).exists()

    english(client)
    page = client.get(url("expected_capacity", pk=additional.pk)).content.decode()
    assert page.count(REASON_EN) == 1 and "Not eligible" in page
    assert REASON_EN in client.get(apply_url).content.decode()
    qualified = client.get(url("qualified", pk=additional.pk)).content.decode()
    assert "Resources that cannot take part in this auction" in qualified and REASON_EN in qualified


def test_a_main_auction_page_shows_no_such_note(published, main_auction, client_for, user_a):
    page = client_for(user_a).get(url("expected_capacity", pk=main_auction.pk)).content.decode()
    assert NOTE_JA not in page and "参加不可" not in page


def test_the_bid_page_says_why_and_a_forged_row_is_refused(main_auction, resources, occto_admin, client_for, user_a):
    winner, loser, absent = resources
    additional = AuctionFactory(kind="additional", bidding=True, delivery_fiscal_year=YEAR, dr_cap_kw=None,
                                **SMALL_CURVE)
    for resource in (winner, loser):  # qualified before the main result was published
        ExpectedCapacityFactory(auction=additional, resource=resource, expected_kw=50_000, submitted_by=user_a)
    publish_main(main_auction, occto_admin)
    late = factories.OperatorUserFactory(operator=user_a.operator)
    client = client_for(late)
    page = client.get(url("bids", pk=additional.pk)).content.decode()
    assert page.count('class="bid-row') == 2
    assert f'name="r{loser.pk}-quantity_kw"' in page and f'name="r{winner.pk}-quantity_kw"' not in page
    assert page.count(REASON_JA) == 1 and "参加不可" in page
    # A forged row for the winner is refused with the reason; nothing is stored.
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    response = client.post(url("bids", pk=additional.pk), {"idempotency_key": key,
                                                           f"r{winner.pk}-quantity_kw": "10000",
                                                           f"r{winner.pk}-price_yen": "1000"})
    assert response.status_code == 200 and REASON_JA in response.content.decode()
    assert not Bid.objects.filter(auction=additional).exists()
    english(client)
    assert REASON_EN in client.get(url("bids", pk=additional.pk)).content.decode()


def test_the_bid_and_qualified_pages_list_a_winner_without_qualification(published, client_for, user_a):
    winner, _loser, absent = published
    additional = AuctionFactory(kind="additional", bidding=True, delivery_fiscal_year=YEAR, dr_cap_kw=None,
                                **SMALL_CURVE)
    ExpectedCapacityFactory(auction=additional, resource=absent, expected_kw=50_000, submitted_by=user_a)
    client = client_for(user_a)
    for name in ("bids", "qualified"):
        page = client.get(url(name, pk=additional.pk)).content.decode()
        assert "このオークションに参加できない電源等" in page
        section = page.split('id="ineligible"')[1]
        assert "落札電源" in section and REASON_JA in section and "未応札電源" not in section


def test_a_csv_row_of_a_winner_is_refused_on_its_row(published, additional, client_for, user_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from auctions.qualification.csv_import import HEADERS
    from capacity_market.models import ImportJob

    winner, loser, _absent = published
    lines = [",".join(HEADERS), f"{additional.code},{winner.grid_code},,50000,", f"{additional.code},{loser.grid_code},,50000,"]
    file = SimpleUploadedFile("ec.csv", ("\r\n".join(lines) + "\r\n").encode("cp932"), content_type="text/csv")
    client_for(user_a).post(url("import", pk=additional.pk), {"file": file})
    job = ImportJob.objects.get(kind="auctions.expected_capacity")
    assert job.status == "invalid"
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "系統コード")]
    assert job.errors[0]["message"].startswith(REASON_JA)
    assert not ExpectedCapacityApplication.objects.filter(auction=additional).exists()


def test_the_reviewers_page_says_why_an_application_of_a_winner_cannot_be_approved(
        main_auction, resources, additional, occto_admin, user_a, client_for, reviewer):
    """Filed before the main result, the winner's application stays in the queue: its decision page says why approval
    will be refused, so the reviewer returns or rejects it instead of trying."""
    from django.urls import reverse

    winner, loser, _absent = resources
    application = apply(additional, winner, user_a, 50_000)
    kept = apply(additional, loser, user_a, 50_000)
    publish_main(main_auction, occto_admin)
    url = "admin:auctions_expectedcapacityapplication_change"
    with translation.override("ja"):
        body = client_for(reviewer).get(reverse(url, args=[application.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "承認できない理由" in body and REASON_JA in body
        other = client_for(reviewer).get(reverse(url, args=[kept.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "承認できない理由" not in other


def test_a_winners_bid_placed_before_the_main_result_is_left_out_of_the_clearing_and_the_page_says_so(
        main_auction, resources, occto_admin, user_a, client_for):
    """A bid accepted before the main result was published stays on record (the operator may withdraw it), but takes
    no part in the additional auction's clearing; the bid page shows it as not cleared, not as valid."""
    import json

    from auctions.clearing import services as clearing_services

    winner, loser, _absent = resources
    additional = AuctionFactory(kind="additional", bidding=True, delivery_fiscal_year=YEAR, dr_cap_kw=None,
                                **SMALL_CURVE)
    for resource in (winner, loser):
        BidFactory(auction=additional, resource=resource, quantity_kw=10_000, price_yen=1_000, submitted_by=user_a)
    bids = {bid.resource.name: bid for bid in Bid.objects.filter(auction=additional).select_related("resource")}
    codes = {name: bid.bid_code for name, bid in bids.items()}
    before = json.loads(clearing_services.export_input(auction=additional, seed="s"))
    assert {b["id"] for b in before["bids"]} == set(codes.values())  # nobody has won the main auction yet
    publish_main(main_auction, occto_admin)
    after = json.loads(clearing_services.export_input(auction=additional, seed="s"))
    assert [b["id"] for b in after["bids"]] == [codes["非落札電源"]]
    bids["落札電源"].refresh_from_db()
    assert bids["落札電源"].status == "active"  # kept on record
    page = client_for(user_a).get(url("bids", pk=additional.pk)).content.decode()
    assert page.count("not-cleared") == 1 and "約定処理の対象外" in page


def test_a_qualified_winner_shows_one_status_not_eligible_on_the_resource_and_expected_capacity_pages(
        main_auction, resources, occto_admin, user_a, client_for):
    winner, _loser, _absent = resources
    additional = AuctionFactory(kind="additional", delivery_fiscal_year=YEAR, dr_cap_kw=None, **SMALL_CURVE)
    ExpectedCapacityFactory(auction=additional, resource=winner, expected_kw=50_000, submitted_by=user_a)
    publish_main(main_auction, occto_admin)
    client = client_for(user_a)
    resource_page = client.get(reverse("registration:resource_detail", args=[winner.pk])).content.decode()
    panel = resource_page.split('id="resource-auctions"')[1].split("</section>")[0]
    row = next(r for r in panel.split("<tr>") if "2035" in r and "追加" in r)
    assert "参加不可" in row and REASON_JA in row and "参加資格あり" not in row
    page = client.get(url("expected_capacity", pk=additional.pk)).content.decode()
    row = next(r for r in page.split("<tr") if winner.grid_code in r)
    assert "参加不可" in row and "参加資格あり" not in row
