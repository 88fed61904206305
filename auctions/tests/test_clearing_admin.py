"""The OCCTO admin of bids and clearing: the clearing page (close, start, runs with progress, publish with a
confirm page, the JSON input), the clearing-run, bid and receipt admins, the CSV export, permissions and query
counts. The personas read Japanese, so the pages and messages are matched in Japanese."""

import csv
import io
import json

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from auctions import clearing
from auctions.models import AdjustmentFactor, Auction, Bid, ClearingOutcome, ClearingRun, ShortBlock
from capacity_market.models import AuditEntry
from conftest import JST
from tests.factories import AuctionFactory, BidFactory

from .clearing_db import toy_auction

pytestmark = pytest.mark.django_db


def clearing_url(auction) -> str:
    return reverse("admin:auctions_auction_clearing", args=[auction.pk])


@pytest.fixture
def toy(operator_a, user_a):
    return toy_auction(operator_a, user_a)


@pytest.fixture
def admin_client(client_for, occto_admin):
    return client_for(occto_admin)


def post_action(client, auction, action, capture=None, **data):
    if capture is None:
        return client.post(clearing_url(auction), {"action": action, **data}, follow=True)
    with capture(execute=True):
        return client.post(clearing_url(auction), {"action": action, **data}, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the clearing page ----------------------------------------------------------------------------------------------
def test_an_occto_administrator_closes_clears_and_publishes_from_the_admin(toy, admin_client,
                                                                           django_capture_on_commit_callbacks):
    auction, _bids = toy
    change = admin_client.get(reverse("admin:auctions_auction_change", args=[auction.pk])).content.decode()
    assert clearing_url(auction) in change

    page = admin_client.get(clearing_url(auction)).content.decode()
    assert 'value="応札を締め切る"' in page and "約定処理を開始" not in page

    response = post_action(admin_client, auction, "close")
    assert messages_of(response) == ["応札を締め切りました。"]
    auction.refresh_from_db()
    assert auction.bids_closed_at is not None
    assert 'value="約定処理を開始"' in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(clearing_url(auction), {"action": "start", "seed": "admin-seed"})
    run = ClearingRun.objects.get()
    response = admin_client.get(response["Location"])
    assert messages_of(response) == [f"約定処理 #{run.pk} を受け付けました（実行待ち）。"]
    assert (run.status, run.national_price, run.total_amount_yen, run.tie_break_seed) == (
        "succeeded", 12_000, 10_200_000, "admin-seed")
    page = response.content.decode()
    assert "12,000" in page and "10,200,000" in page
    publish_url = reverse("admin:auctions_clearingrun_publish", args=[run.pk])
    assert publish_url in page

    confirm = admin_client.get(publish_url)
    assert confirm.status_code == 200
    assert "はい、この結果を公表します" in confirm.content.decode()
    run.refresh_from_db()
    assert run.published_at is None  # the confirm page changes nothing

    response = admin_client.post(publish_url, follow=True)
    assert messages_of(response) == [f"約定処理 #{run.pk} の結果を事業者に公表しました。"]
    run.refresh_from_db()
    assert run.published_at is not None
    assert AuditEntry.objects.filter(action="auctions.clearingrun.published").count() == 1
    page = response.content.decode()
    assert "もう約定処理できません" in page and 'value="約定処理を開始"' not in page

    response = post_action(admin_client, auction, "start", django_capture_on_commit_callbacks)
    assert "再度約定処理はできません" in messages_of(response)[0]
    assert ClearingRun.objects.count() == 1


def test_closing_before_the_instant_shows_the_message_and_changes_nothing(admin_client, operator_a, user_a):
    auction = AuctionFactory(bidding=True)
    page = admin_client.get(clearing_url(auction)).content.decode()
    assert 'value="応札を締め切る"' not in page and "応札受付期間の終了後に" in page
    response = post_action(admin_client, auction, "close")
    assert "締め切ることはできません" in messages_of(response)[0]
    auction.refresh_from_db()
    assert auction.bids_closed_at is None


def test_a_bad_seed_or_action_is_a_message(toy, admin_client, occto_admin):
    auction, _bids = toy
    post_action(admin_client, auction, "close")
    response = post_action(admin_client, auction, "start", seed="x" * 101)
    assert messages_of(response) and not ClearingRun.objects.exists()
    response = post_action(admin_client, auction, "explode")
    assert messages_of(response) == ["操作を選択してください。"]


def test_a_running_run_shows_a_progress_bar_polled_from_its_status_url(toy, admin_client, occto_admin,
                                                                       django_capture_on_commit_callbacks):
    auction, _bids = toy
    post_action(admin_client, auction, "close")
    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post(clearing_url(auction), {"action": "start", "seed": ""})
    run = ClearingRun.objects.get()
    status_url = reverse("admin:auctions_clearingrun_status", args=[run.pk])
    page = admin_client.get(clearing_url(auction)).content.decode()
    assert "<progress" in page and f'data-status-url="{status_url}"' in page and "fetch(" in page
    assert "ワーカー" in page  # the step, in the user's language (Japanese)
    assert "cdn" not in page.lower()
    state = admin_client.get(status_url).json()
    assert state == {"id": run.pk, "status": "queued", "status_label": state["status_label"], "progress": 0,
                     "step": state["step"], "finished": False, "national_price": None, "error": ""}
    ClearingRun.objects.filter(pk=run.pk).update(status="running", progress=50, progress_label="Storing the results")
    with translation.override("ja"):
        state = admin_client.get(status_url, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert state["progress"] == 50 and not state["finished"]


def test_the_clearing_input_downloads_as_a_file_clear_auction_reads(toy, admin_client, occto_admin,
                                                                    django_capture_on_commit_callbacks):
    auction, _bids = toy
    ShortBlock.objects.create(auction=auction, name="north", areas=["hokkaido", "tohoku"], additional_kw=0)
    response = admin_client.get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert f"clearing-input-{auction.code}.json" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["tie_break_seed"] == f"{auction.code}-1" and len(document["bids"]) == 5
    assert clearing.clear(clearing.parse_input(response.content)).national_price == 12_000

    post_action(admin_client, auction, "close")
    post_action(admin_client, auction, "start", django_capture_on_commit_callbacks, seed="replay-me")
    run = ClearingRun.objects.get()
    ShortBlock.objects.filter(auction=auction).delete()  # later edits do not change what the run cleared
    response = admin_client.get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk]),
                                {"run": run.pk})
    replayed = clearing.clear(clearing.parse_input(response.content))
    assert replayed.tie_break_seed == "replay-me"
    assert json.loads(response.content)["short_blocks"][0]["name"] == "north"
    assert replayed.national_price == run.national_price and replayed.total_amount_yen == run.total_amount_yen
    for garbage in ("abc", "999999", "9" * 40, "²", "1²", "٣", "-1"):
        assert admin_client.get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk]),
                                {"run": garbage}).status_code == 404


def test_an_auction_whose_input_cannot_be_read_redirects_with_the_reason(admin_client, operator_a, user_a):
    auction = AuctionFactory(bids_closed=True)
    bid = BidFactory(auction=auction, submitted_by=user_a, quantity_kw=1_000, price_yen=1)
    Bid.objects.filter(pk=bid.pk).update(price_yen=99_999)  # in the database, past the service's own check
    response = admin_client.get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk]), follow=True)
    assert "exceeds the upper price" in messages_of(response)[0]


# --- permissions -------------------------------------------------------------------------------------------------------
def test_reviewers_see_the_clearing_page_but_cannot_act(toy, client_for, reviewer, occto_admin,
                                                        django_capture_on_commit_callbacks):
    from auctions.clearing import services as clearing_service

    auction, _bids = toy
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    client = client_for(reviewer)
    page = client.get(clearing_url(auction))
    assert page.status_code == 200
    body = page.content.decode()
    assert "約定処理を開始" not in body and "応札を締め切る" not in body
    assert reverse("admin:auctions_clearingrun_publish", args=[run.pk]) not in body
    assert client.post(clearing_url(auction), {"action": "start"}).status_code == 403
    publish = reverse("admin:auctions_clearingrun_publish", args=[run.pk])
    assert client.get(publish).status_code == 403
    assert client.post(publish).status_code == 403
    assert ClearingRun.objects.count() == 1 and ClearingRun.objects.get().published_at is None
    assert client.get(reverse("admin:auctions_clearingrun_status", args=[run.pk])).status_code == 200
    assert client.get(reverse("admin:auctions_auction_clearing_input", args=[auction.pk])).status_code == 200
    change = client.get(reverse("admin:auctions_clearingrun_change", args=[run.pk])).content.decode()
    assert "12,000" in change and publish not in change


@pytest.mark.parametrize("persona", ["admin_a", "user_a"])
def test_operator_users_never_reach_the_clearing_admin(request, toy, client_for, persona):
    auction, bids = toy
    client = client_for(request.getfixturevalue(persona))
    for url in (clearing_url(auction), reverse("admin:auctions_bid_changelist"),
                reverse("admin:auctions_bid_export"), reverse("admin:auctions_clearingrun_changelist")):
        response = client.get(url)
        assert response.status_code in (302, 403), url
    assert client.post(clearing_url(auction), {"action": "close"}).status_code in (302, 403)
    auction.refresh_from_db()
    assert auction.bids_closed_at is None


def test_short_blocks_are_edited_on_the_auction_until_a_run_is_published(toy, admin_client, occto_admin,
                                                                         django_capture_on_commit_callbacks):
    from auctions.clearing import services as clearing_service

    auction, _bids = toy
    change_url = reverse("admin:auctions_auction_change", args=[auction.pk])
    page = admin_client.get(change_url).content.decode()
    assert "short_blocks-TOTAL_FORMS" in page and 'name="short_blocks-0-name"' not in page
    ShortBlock.objects.create(auction=auction, name="north", areas=["hokkaido"], additional_kw=100)
    assert 'name="short_blocks-0-name"' in admin_client.get(change_url).content.decode()

    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    clearing_service.publish_run(run=ClearingRun.objects.get(pk=run.pk), actor=occto_admin)
    page = admin_client.get(change_url).content.decode()
    assert 'name="short_blocks-0-name"' not in page and "north" in page


def test_a_short_block_edit_is_audited_with_the_auction_parameters(toy, admin_client):
    auction, _bids = toy
    change_url = reverse("admin:auctions_auction_change", args=[auction.pk])
    response = admin_client.get(change_url)
    data = {}
    form = response.context["adminform"].form
    for name, value in model_to_dict(auction).items():
        if name in form.fields and value is not None:
            data[name] = value
    for name in ("registration_opens_at", "expected_capacity_deadline", "registration_closes_at", "bid_opens_at",
                 "bid_closes_at", "clearing_at", "publication_at", "contract_conclusion_at"):
        local = getattr(auction, name).astimezone(JST)
        data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        data.pop(name, None)
    for formset in response.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.formset.initial_form_count())
        for i, inline_form in enumerate(formset.formset.forms):
            for field_name in inline_form.fields:
                value = inline_form[field_name].value()
                if value is not None:
                    data[f"{prefix}-{i}-{field_name}"] = value
    data.update({"short_blocks-TOTAL_FORMS": "1", "short_blocks-0-order": "1", "short_blocks-0-name": "north",
                 "short_blocks-0-areas": "hokkaido,tohoku", "short_blocks-0-additional_kw": "910000",
                 "short_blocks-0-adjacent": "national"})
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, [(f.formset.errors, f.formset.non_form_errors()) for f in response.context["inline_admin_formsets"]] + [response.context["adminform"].form.errors] if response.context else ""
    block = ShortBlock.objects.get(auction=auction)
    assert block.areas == ["hokkaido", "tohoku"]
    entry = AuditEntry.objects.filter(action="admin.change.auctions.auction_parameters").latest("pk")
    assert entry.after["short_blocks"][0]["name"] == "north"


# --- bids, receipts and runs in the admin ----------------------------------------------------------------------------------
def test_the_bid_admin_is_read_only_with_versions_and_filters(toy, client_for, occto_admin, reviewer):
    auction, bids = toy
    for user in (occto_admin, reviewer):
        client = client_for(user)
        listing = client.get(reverse("admin:auctions_bid_changelist"), {"auction__id__exact": auction.pk})
        assert listing.status_code == 200
        assert bids[0].bid_code in listing.content.decode()
        change = client.get(reverse("admin:auctions_bid_change", args=[bids[0].pk]))
        assert change.status_code == 200
        assert 'name="quantity_kw"' not in change.content.decode()
        assert 'id="versions-group"' in change.content.decode()  # the versions, inline
        assert client.post(reverse("admin:auctions_bid_change", args=[bids[0].pk]), {}).status_code == 403
        assert client.get(reverse("admin:auctions_bid_add")).status_code == 403
    client = client_for(occto_admin)
    for params in ({"status__exact": "active"}, {"area__exact": "tokyo"},
                   {"category__exact": "stable"}, {"operator__id__exact": bids[0].operator_id},
                   {"q": bids[0].resource.grid_code}, {"q": "東北テスト"}):
        response = client.get(reverse("admin:auctions_bid_changelist"), params)
        assert response.status_code == 200, params
        assert bids[0].bid_code in response.content.decode(), params
    response = client.get(reverse("admin:auctions_bid_changelist"), {"q": bids[1].resource.grid_code})
    assert bids[0].bid_code not in response.content.decode()


def test_the_filtered_bids_download_as_csv_with_a_bom(toy, client_for, reviewer, operator_b, user_b):
    auction, bids = toy
    other = BidFactory(auction=auction, submitted_by=user_b, quantity_kw=100, price_yen=1,
                       resource__area="kyushu", resource__name="=cmd|' /C calc'!A0")
    client = client_for(reviewer)
    listing = client.get(reverse("admin:auctions_bid_changelist"), {"area__exact": "tokyo"})
    assert reverse("admin:auctions_bid_export") + "?area__exact=tokyo" in listing.content.decode()

    response = client.get(reverse("admin:auctions_bid_export"), {"area__exact": "tokyo"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][0] == "応札ID" and len(rows) == 1 + len(bids)
    assert [row[0] for row in rows[1:]] == [b.bid_code for b in bids]
    assert rows[1][4] == bids[0].resource.grid_code and rows[1][8] == "500" and rows[1][9] == "0"

    everything = b"".join(client.get(reverse("admin:auctions_bid_export")).streaming_content).decode()
    assert other.bid_code in everything and "'=cmd" in everything  # formula-leading cells are escaped
    response = client.get(reverse("admin:auctions_bid_export"), {"no_such_field": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_receipt_and_run_admins_are_read_only(toy, client_for, occto_admin, django_capture_on_commit_callbacks):
    from auctions.clearing import services as clearing_service

    auction, bids = toy
    client = client_for(occto_admin)
    submission = bids[0].submission
    assert client.get(reverse("admin:auctions_bidsubmission_change", args=[submission.pk])).status_code == 200
    assert client.post(reverse("admin:auctions_bidsubmission_change", args=[submission.pk]), {}).status_code == 403
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    change = client.get(reverse("admin:auctions_clearingrun_change", args=[run.pk]))
    body = change.content.decode()
    assert change.status_code == 200
    assert "エリアプライス" in body and "10,200,000" in body and "落札 4 件、非落札 1 件" in body
    assert reverse("admin:auctions_clearingrun_publish", args=[run.pk]) in body
    assert client.post(reverse("admin:auctions_clearingrun_change", args=[run.pk]), {}).status_code == 403
    assert client.get(reverse("admin:auctions_clearingrun_add")).status_code == 403
    assert client.post(reverse("admin:auctions_clearingrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert Auction.objects.filter(pk=auction.pk).exists() and ClearingRun.objects.filter(pk=run.pk).exists()


# --- constant query counts -----------------------------------------------------------------------------------------------
def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_bid_and_run_lists_and_the_clearing_page_run_the_same_queries_at_1_and_50_rows(
        client_for, occto_admin, operator_a, user_a, operator_b, user_b):
    auction = AuctionFactory(bids_closed=True)
    client = client_for(occto_admin)

    def add(n):
        for i in range(n):
            user = user_a if i % 2 else user_b
            BidFactory(auction=auction, submitted_by=user, quantity_kw=1000 + i, price_yen=i)
            ClearingRun.objects.create(auction=auction, tie_break_seed=f"s{ClearingRun.objects.count()}",
                                       started_by=occto_admin, status="failed", error="x")

    urls = ["/admin/auctions/bid/", "/admin/auctions/bidsubmission/", "/admin/auctions/clearingrun/",
            clearing_url(auction)]
    add(1)
    one = {url: _queries(client, url) for url in urls}
    add(49)
    fifty = {url: _queries(client, url) for url in urls}
    assert fifty == one


def test_an_administrator_marks_a_stuck_run_failed_from_the_clearing_page(toy, admin_client, client_for, reviewer,
                                                                          occto_admin,
                                                                          django_capture_on_commit_callbacks):
    from auctions.clearing import services as clearing_service

    auction, _bids = toy
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=False):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    assert 'name="action" value="abandon"' in admin_client.get(clearing_url(auction)).content.decode()
    assert client_for(reviewer).post(clearing_url(auction), {"action": "abandon", "run": run.pk}).status_code == 403
    assert admin_client.post(clearing_url(auction), {"action": "abandon", "run": "²"}, follow=True).status_code == 200
    assert admin_client.post(clearing_url(auction), {"action": "abandon", "run": "999999999"}).status_code == 404
    run.refresh_from_db()
    assert run.status == "queued"
    response = admin_client.post(clearing_url(auction), {"action": "abandon", "run": run.pk}, follow=True)
    run.refresh_from_db()
    assert run.status == "failed"
    assert 'value="約定処理を開始"' in response.content.decode()


# --- every bid's outcome (the auditor's view of a run) ----------------------------------------------------------------
def outcomes_url(run=None) -> str:
    url = reverse("admin:auctions_clearingoutcome_changelist")
    return f"{url}?run__id__exact={run.pk}" if run is not None else url


@pytest.fixture
def cleared_toy(toy, occto_admin, django_capture_on_commit_callbacks):
    """The toy auction cleared (not published): national price 12,000; 500, 150, 100 and 100 kW awarded, the
    14,000 yen bid not."""
    from auctions.clearing import services as clearing_service

    auction, bids = toy
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    run.refresh_from_db()
    assert run.status == "succeeded"
    return auction, bids, run


def listed(response) -> list[str]:
    """The bid IDs in an outcome list, in their order."""
    import re

    assert response.status_code == 200
    return re.findall(r'<td class="field-bid_code">(B-[0-9]+)</td>', response.content.decode())


def test_every_bids_outcome_is_in_a_read_only_admin_linked_from_the_run(cleared_toy, client_for, occto_admin,
                                                                       reviewer):
    auction, bids, run = cleared_toy
    for user in (occto_admin, reviewer):
        client = client_for(user)
        for page in (reverse("admin:auctions_clearingrun_change", args=[run.pk]), clearing_url(auction)):
            body = client.get(page).content.decode()
            assert f'href="{outcomes_url(run)}"' in body and "全応札の約定結果（5件）" in body, page
        if user == occto_admin:  # the publish confirmation shows the same results, with the same link
            publish = client.get(reverse("admin:auctions_clearingrun_publish", args=[run.pk])).content.decode()
            assert f'href="{outcomes_url(run)}"' in publish
        response = client.get(outcomes_url(run))
        assert sorted(listed(response)) == sorted(b.bid_code for b in bids)
        body = response.content.decode()
        # thousands separators: 500 kW × 12,000 yen/kW = 6,000,000 yen; the loser's price 14,000, no paid price
        assert "6,000,000" in body and "12,000" in body and "14,000" in body and "ダウンロード" in body
        outcome = run.outcomes.get(bid=bids[0])
        change_url = reverse("admin:auctions_clearingoutcome_change", args=[outcome.pk])
        change = client.get(change_url)
        assert change.status_code == 200 and 'name="awarded_kw"' not in change.content.decode()
        assert client.post(change_url, {"awarded_kw": "1"}).status_code == 403
        assert client.get(reverse("admin:auctions_clearingoutcome_add")).status_code == 403
        delete_url = reverse("admin:auctions_clearingoutcome_delete", args=[outcome.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
    outcome.refresh_from_db()
    assert (outcome.awarded_kw, outcome.paid_price, outcome.amount_yen) == (500, 12_000, 6_000_000)
    assert run.outcomes.count() == 5


def test_the_outcome_list_filters_and_searches(cleared_toy, client_for, occto_admin, operator_b, user_b,
                                               django_capture_on_commit_callbacks):
    from auctions.clearing import services as clearing_service

    auction, bids, run = cleared_toy
    client = client_for(occto_admin)
    loser, winners = bids[4].bid_code, sorted(b.bid_code for b in bids[:4])
    everyone = sorted(b.bid_code for b in bids)
    # a second run of another auction with operator B's bid in Kyushu, a variable resource
    other, _other_bids = toy_auction(operator_b, user_b, delivery_fiscal_year=2045)
    AdjustmentFactor.objects.create(auction=other, generation_type="solar", area="kyushu", factor="0.5")
    variable = BidFactory(auction=other, submitted_by=user_b, quantity_kw=100, price_yen=1,
                          resource__area="kyushu", resource__category="variable",
                          resource__generation_type="solar", resource__name="九州太陽光")
    clearing_service.close_bids(auction=other, actor=occto_admin)
    with django_capture_on_commit_callbacks(execute=True):
        other_run = clearing_service.start_clearing(auction=other, actor=occto_admin)
    assert other_run.outcomes.count() == 6

    def codes(**params):
        return sorted(listed(client.get(outcomes_url(), params)))

    assert codes(run__id__exact=run.pk) == everyone
    assert codes(run__auction__id__exact=auction.pk) == everyone
    assert codes(run__id__exact=run.pk, awarded="yes") == winners
    assert codes(run__id__exact=run.pk, awarded="no") == [loser]
    assert codes(run__id__exact=run.pk, excluded_by_dr_cap__exact="1") == []
    assert codes(run__id__exact=run.pk, excluded_by_dr_cap__exact="0") == everyone
    assert codes(area__exact="kyushu") == [variable.bid_code]
    assert codes(category="variable") == [variable.bid_code]
    assert len(codes(operator__id__exact=operator_b.pk)) == 6 and variable.bid_code in codes()
    assert codes(q=bids[4].resource.grid_code) == [loser]
    assert codes(q=operator_b.name) == codes(operator__id__exact=operator_b.pk)
    for garbage in ({"run__id__exact": "x"}, {"awarded": "maybe"}, {"category": "<script>"}, {"no_such": "1"}):
        assert client.get(outcomes_url(), garbage).status_code in (200, 302), garbage


def test_the_filtered_outcomes_download_as_csv_with_a_bom(cleared_toy, client_for, reviewer):
    auction, bids, run = cleared_toy
    bids[4].resource.name = "=HYPERLINK(\"x\")"
    bids[4].resource.save(update_fields=["name"])
    client = client_for(reviewer)
    export = reverse("admin:auctions_clearingoutcome_export")
    assert f"{export}?run__id__exact={run.pk}" in client.get(outcomes_url(run)).content.decode()

    response = client.get(export, {"run__id__exact": run.pk})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:3] == ["約定処理", "オークション", "応札ID"] and rows[0][-1] == "DR上限により除外"
    assert len(rows) == 1 + len(bids)
    by_code = {row[2]: row for row in rows[1:]}
    first = by_code[bids[0].bid_code]
    assert first[0] == str(run.pk) and first[1] == auction.code and first[5] == bids[0].resource.grid_code
    assert first[9:] == ["500", "0", "500", "12000", "6000000", "いいえ"]
    last = by_code[bids[4].bid_code]
    assert last[6].startswith("'=") and last[11:14] == ["0", "", "0"]

    awarded = b"".join(client.get(export, {"run__id__exact": run.pk, "awarded": "yes"}).streaming_content).decode()
    assert bids[4].bid_code not in awarded and bids[0].bid_code in awarded
    response = client.get(export, {"no_such_field": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_outcome_list_runs_the_same_queries_at_1_and_50_rows(client_for, occto_admin, operator_a, user_a,
                                                                 operator_b, user_b):
    auction = AuctionFactory(bids_closed=True)
    run = ClearingRun.objects.create(auction=auction, tie_break_seed="s", started_by=occto_admin,
                                     status="succeeded", progress=100)
    client = client_for(occto_admin)

    def add(n):
        for i in range(n):
            operator, user = (operator_a, user_a) if i % 2 else (operator_b, user_b)
            bid = BidFactory(auction=auction, submitted_by=user, quantity_kw=1000 + i, price_yen=i)
            ClearingOutcome.objects.create(run=run, bid=bid, operator=operator, area="tokyo", category="stable",
                                           quantity_kw=bid.quantity_kw, price_yen=bid.price_yen,
                                           awarded_kw=bid.quantity_kw if i % 3 else 0,
                                           paid_price=5000 if i % 3 else None,
                                           amount_yen=bid.quantity_kw * 5000 if i % 3 else 0)
            ClearingRun.objects.create(auction=AuctionFactory(bids_closed=True), tie_break_seed="t", started_by=occto_admin,
                                       status="failed", error="x")  # more runs (and auctions) in the filter

    urls = [outcomes_url(), outcomes_url(run), f"{outcomes_url(run)}&awarded=yes&category=stable&q=05"]
    add(1)
    one = {url: _queries(client, url) for url in urls}
    add(49)
    fifty = {url: _queries(client, url) for url in urls}
    assert fifty == one


def test_the_bid_admin_filters_and_exports_the_area_the_bid_was_made_in(toy, client_for, reviewer):
    auction, bids = toy
    moved = bids[0].resource
    moved.area = "kyushu"  # the resource moves after bidding; its bid stays a Tokyo bid (bids are cleared as made)
    moved.save()
    client = client_for(reviewer)
    tokyo = client.get(reverse("admin:auctions_bid_changelist"), {"area__exact": "tokyo"}).content.decode()
    assert bids[0].bid_code in tokyo
    content = b"".join(client.get(reverse("admin:auctions_bid_export"), {"area__exact": "tokyo"})
                       .streaming_content).decode()
    row = next(line for line in content.splitlines() if line.startswith(bids[0].bid_code))
    assert ",東京," in row and "九州" not in row


def test_the_clearing_page_names_a_short_blocks_areas_north_to_south_and_its_adjacent_block(toy, admin_client):
    """No raw codes on OCCTO's pages (#9 friction 11, 12): areas by name in the market's order, 全国 for national."""
    auction, *_ = toy
    ShortBlock.objects.create(auction=auction, name="west", areas=["kyushu", "hokkaido", "tohoku"], additional_kw=100)
    body = admin_client.get(clearing_url(auction)).content.decode()
    assert "west (北海道, 東北, 九州; 100 kW; 隣接ブロック: 全国)" in body
