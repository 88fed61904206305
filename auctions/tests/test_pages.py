"""Operator pages of auctions and expected capacity: roles, scoping, odd input, language and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auctions.models import Auction, ExpectedCapacity, ExpectedCapacityApplication
from tests import factories
from tests.factories import AuctionFactory, ResourceFactory

from .conftest import apply, approve

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"auctions:{name}", kwargs=kwargs)


# --- auctions ---------------------------------------------------------------------------------------------------
def test_an_operator_user_sees_the_auctions_with_the_next_deadline_in_jst(client_for, user_a, auction):
    page = client_for(user_a).get(url("list")).content.decode()
    assert auction.name in page
    assert "期待容量の登録期限" in page and "2026-12-04 18:00 JST" in page


def test_the_detail_shows_the_schedule_with_the_next_deadline_highlighted_and_the_parameters(client_for, user_a,
                                                                                             auction):
    page = client_for(user_a).get(url("detail", pk=auction.pk)).content.decode()
    assert 'class="unread" aria-current="step"' in page
    assert "2027-01-20 18:00 JST" in page  # the bid window closes
    assert "15,112.5" in page and "10,075" in page  # upper price and Net CONE
    assert "FIT電源の期待容量" in page


def test_the_pages_read_in_english_with_the_language_switch(client_for, user_a, auction):
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": url("list")})
    page = client.get(url("detail", pk=auction.pk)).content.decode()
    assert "Next deadline" in page and "Expected-capacity deadline" in page


def test_anonymous_visitors_are_sent_to_log_in(client, auction):
    for target in (url("list"), url("detail", pk=auction.pk), url("expected_capacity", pk=auction.pk)):
        response = client.get(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_auction_is_404(client_for, user_a, db):
    assert client_for(user_a).get(url("detail", pk=999999)).status_code == 404
    assert client_for(user_a).get("/auctions/99999999999999999999/").status_code == 404


def test_occto_staff_see_auctions_but_have_no_expected_capacity_pages(client_for, reviewer, auction):
    client = client_for(reviewer)
    assert client.get(url("detail", pk=auction.pk)).status_code == 200
    assert client.get(url("expected_capacity", pk=auction.pk)).status_code == 404
    assert client.get(url("qualified", pk=auction.pk)).status_code == 404


def _count_queries(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_the_auction_list_runs_the_same_queries_for_1_and_50_auctions(client_for, user_a, db):
    client = client_for(user_a)
    AuctionFactory()
    one = _count_queries(client, url("list"))
    for _ in range(49):
        AuctionFactory()
    assert _count_queries(client, url("list")) == one


# --- expected capacity -----------------------------------------------------------------------------------------------
def test_the_expected_capacity_page_lists_only_the_users_own_resources(client_for, user_a, operator_b, auction,
                                                                       resource_a):
    ResourceFactory(operator=operator_b, name="九州の電源")
    page = client_for(user_a).get(url("expected_capacity", pk=auction.pk)).content.decode()
    assert resource_a.grid_code in page and "九州の電源" not in page


def test_an_operator_user_registers_expected_capacity_by_the_form(client_for, user_a, auction, resource_a):
    response = client_for(user_a).post(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk),
                                       {"expected_kw": "140000", "applicant_comment": "定格出力ベース"})
    application = ExpectedCapacityApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == url("application_detail", pk=application.pk)
    assert application.expected_kw == 140_000 and application.submitted_by == user_a


@pytest.mark.parametrize("data", [{}, {"expected_kw": "x" * 5000}, {"expected_kw": "-1"},
                                  {"expected_kw": "99999999999999999999"}, {"expected_kw": "150001"},
                                  {"expected_kw": "1000", "applicant_comment": "あ" * 1001}])
def test_bad_input_re_renders_with_a_message_in_japanese_and_changes_nothing(client_for, user_a, auction,
                                                                            resource_a, data):
    response = client_for(user_a).post(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk), data)
    assert response.status_code == 200
    assert "入力内容を確認してください" in response.content.decode() or "設備容量" in response.content.decode()
    assert not ExpectedCapacityApplication.objects.exists()


def test_the_expected_capacity_pages_state_the_auctions_threshold(client_for, user_a, auction, resource_a):
    client = client_for(user_a)
    listing = client.get(url("expected_capacity", pk=auction.pk)).content.decode()
    assert "このオークションの参加要件：どの区分も承認される期待容量が1,000 kW以上必要です" in listing
    form = client.get(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk)).content.decode()
    assert "このオークションの参加要件1,000 kWから設備容量（150,000 kW）まで" in form
    application = apply(auction, resource_a, user_a, 1_000)
    detail = client.get(url("application_detail", pk=application.pk)).content.decode()
    assert "オークションの参加要件（期待容量kW）" in detail and "承認されません" not in detail
    Auction.objects.filter(pk=auction.pk).update(threshold_kw=2_500)
    listing = client.get(url("expected_capacity", pk=auction.pk)).content.decode()
    assert "承認される期待容量が2,500 kW以上必要です" in listing
    detail = client.get(url("application_detail", pk=application.pk)).content.decode()
    assert "2,500" in detail
    assert "この期待容量はオークションの現在の参加要件（2,500 kW）を下回るため、承認されません。" in detail


@pytest.mark.parametrize(("typed", "accepted"), [("999", False), ("1000", True)])
def test_the_form_refuses_a_value_below_the_threshold_naming_it(client_for, user_a, auction, resource_a, typed,
                                                                accepted):
    response = client_for(user_a).post(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk),
                                       {"expected_kw": typed})
    if accepted:
        assert response.status_code == 302 and ExpectedCapacityApplication.objects.get().expected_kw == 1_000
        return
    assert response.status_code == 200 and not ExpectedCapacityApplication.objects.exists()
    assert ("期待容量（999 kW）がこのオークションの参加要件（安定電源：期待容量1,000 kW以上）を下回っています。"
            in response.content.decode())


def test_a_resource_that_cannot_reach_the_threshold_is_told_so_and_gets_no_form(client_for, user_a, operator_a,
                                                                                auction, solar_a):
    small = ResourceFactory(operator=operator_a, installed_kw=800)  # registers: installed only bounds
    client = client_for(user_a)
    page = client.get(url("expected_capacity_apply", pk=auction.pk, resource_pk=small.pk)).content.decode()
    assert "期待容量は設備容量（800 kW）以下のため、参加要件の1,000 kWに届きません。" in page
    assert 'name="expected_kw"' not in page
    Auction.objects.filter(pk=auction.pk).update(threshold_kw=1_014)  # solar_a computes 1,013 kW
    page = client.get(url("expected_capacity_apply", pk=auction.pk, resource_pk=solar_a.pk)).content.decode()
    assert "期待容量（1,013 kW）が参加要件の1,014 kWを下回っています。" in page and "<form method=\"post\"" not in page


def test_the_reviewer_sees_why_an_application_below_a_raised_threshold_cannot_be_approved(
        client_for, user_a, reviewer, auction, resource_a):
    application = apply(auction, resource_a, user_a, 1_500)
    admin_url = reverse("admin:auctions_expectedcapacityapplication_change", args=[application.pk])
    page = client_for(reviewer).get(admin_url).content.decode()
    assert "承認できない理由" not in page
    Auction.objects.filter(pk=auction.pk).update(threshold_kw=2_000)
    page = client_for(reviewer).get(admin_url).content.decode()
    assert "承認できない理由" in page
    assert "この期待容量（1,500 kW）は、オークションの現在の参加要件（2,000 kW）を下回るため承認できません。" in page
    response = client_for(reviewer).post(admin_url, {"decision": "approve", "comment": "",
                                                     "version": str(application.version)}, follow=True)
    assert "下回るため承認できません" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted" and not ExpectedCapacity.objects.exists()


def test_a_variable_resource_form_shows_the_working_and_has_no_kw_field(client_for, user_a, auction, solar_a):
    client = client_for(user_a)
    target = url("expected_capacity_apply", pk=auction.pk, resource_pk=solar_a.pk)
    page = client.get(target).content.decode()
    assert "4,321 kW × 0.2345 = 1,013 kW" in page
    assert 'name="expected_kw"' not in page
    client.post(target, {"expected_kw": "4000"})
    assert ExpectedCapacityApplication.objects.get().expected_kw == 1_013


def test_another_operators_user_gets_404_for_the_resource_and_the_application(client_for, user_a, user_b, auction,
                                                                              resource_a):
    application = apply(auction, resource_a, user_a, 100_000)
    client = client_for(user_b)
    assert client.get(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk)).status_code == 404
    assert client.post(url("expected_capacity_apply", pk=auction.pk, resource_pk=resource_a.pk),
                       {"expected_kw": "1000"}).status_code == 404
    assert client.get(url("application_detail", pk=application.pk)).status_code == 404
    assert client.post(url("application_withdraw", pk=application.pk), {"version": "2"}).status_code == 404
    assert ExpectedCapacityApplication.objects.get().status == "submitted"


def test_the_applicant_withdraws_from_the_detail_page(client_for, user_a, auction, resource_a):
    application = apply(auction, resource_a, user_a, 100_000)
    client = client_for(user_a)
    assert ">取下げ</a>" in client.get(url("application_detail", pk=application.pk)).content.decode()
    client.post(url("application_withdraw", pk=application.pk), {"version": str(application.version)})
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_a_stale_or_garbage_withdrawal_changes_nothing(client_for, user_a, auction, resource_a):
    application = apply(auction, resource_a, user_a, 100_000)
    client = client_for(user_a)
    for version in ("1", "abc", "9" * 30, ""):
        response = client.post(url("application_withdraw", pk=application.pk), {"version": version})
        assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_returned_application_is_resubmitted_by_its_page(client_for, user_a, reviewer, auction, resource_a):
    from capacity_market import review

    application = apply(auction, resource_a, user_a, 100_000)
    review.send_back(application=application, actor=reviewer, comment="再確認", expected_version=application.version)
    application.refresh_from_db()
    client = client_for(user_a)
    target = url("application_resubmit", pk=application.pk)
    assert client.get(target).status_code == 200
    client.post(target, {"expected_kw": "90000", "version": str(application.version)})
    application.refresh_from_db()
    assert (application.status, application.expected_kw) == ("submitted", 90_000)


def test_the_expected_capacity_page_runs_the_same_queries_for_1_and_50_resources(client_for, user_a, reviewer,
                                                                                 operator_a, auction):
    client = client_for(user_a)

    def add_resource():
        resource = ResourceFactory(operator=operator_a)
        approve(apply(auction, resource, user_a, 100_000), reviewer)
        apply(auction, resource, user_a, 90_000)

    add_resource()
    one = _count_queries(client, url("expected_capacity", pk=auction.pk))
    qualified_one = _count_queries(client, url("qualified", pk=auction.pk))
    notice_one = _count_queries(client, url("qualification_notice", pk=auction.pk))
    for _ in range(49):
        add_resource()
    assert _count_queries(client, url("expected_capacity", pk=auction.pk)) == one
    assert _count_queries(client, url("qualified", pk=auction.pk)) == qualified_one
    assert _count_queries(client, url("qualification_notice", pk=auction.pk)) == notice_one


# --- qualification ---------------------------------------------------------------------------------------------------
def test_qualified_resources_and_the_printable_notice_in_japanese(client_for, user_a, reviewer, operator_a, auction,
                                                                  resource_a, solar_a):
    approve(apply(auction, resource_a, user_a, 120_000), reviewer)
    approve(apply(auction, solar_a, user_a), reviewer)
    client = client_for(user_a)
    listing = client.get(url("qualified", pk=auction.pk)).content.decode()
    assert resource_a.grid_code in listing and "4,321 kW × 0.2345 = 1,013 kW" in listing
    client.post("/i18n/setlang/", {"language": "en", "next": url("list")})
    notice = client.get(url("qualification_notice", pk=auction.pk)).content.decode()
    assert "参加資格通知" in notice and operator_a.name in notice and auction.name in notice
    assert "120,000" in notice and "121,013" in notice and "@media print" in notice
    assert notice.count(auction.name) == 2, "the name once in the title and once in the text, never repeated"
    assert "実需給年度：2030年度（2030年4月～2031年3月）" in notice


def test_there_is_no_notice_without_a_qualification_and_none_for_another_operator(client_for, user_a, user_b,
                                                                                  reviewer, auction, resource_a):
    assert client_for(user_a).get(url("qualification_notice", pk=auction.pk)).status_code == 404
    approve(apply(auction, resource_a, user_a, 120_000), reviewer)
    assert ExpectedCapacity.objects.count() == 1
    client = client_for(user_b)
    assert client.get(url("qualification_notice", pk=auction.pk)).status_code == 404
    assert resource_a.grid_code not in client.get(url("qualified", pk=auction.pk)).content.decode()


# --- the OCCTO admin ---------------------------------------------------------------------------------------------------
def test_a_reviewer_approves_in_the_review_queue_and_the_resource_is_qualified(client_for, user_a, reviewer, auction,
                                                                               resource_a):
    application = apply(auction, resource_a, user_a, 120_000)
    client = client_for(reviewer)
    target = reverse("admin:auctions_expectedcapacityapplication_change", args=[application.pk])
    assert client.get(reverse("admin:auctions_expectedcapacityapplication_changelist")).status_code == 200
    client.post(target, {"decision": "approve", "comment": "", "version": str(application.version)})
    assert ExpectedCapacity.objects.get(resource=resource_a, auction=auction).expected_kw == 120_000


def test_reviewers_view_auctions_in_the_admin_but_only_occto_administrators_add_them(client_for, reviewer,
                                                                                    occto_admin, auction):
    viewer = client_for(reviewer)
    assert viewer.get(reverse("admin:auctions_auction_change", args=[auction.pk])).status_code == 200
    assert viewer.get(reverse("admin:auctions_auction_add")).status_code == 403
    assert client_for(occto_admin).get(reverse("admin:auctions_auction_add")).status_code == 200


def test_operator_users_never_reach_the_auction_admin(client_for, admin_a, auction):
    response = client_for(admin_a).get(reverse("admin:auctions_auction_changelist"))
    assert response.status_code in (302, 403, 404)


def test_an_occto_administrator_creates_an_auction_with_its_parameters_and_it_is_audited(client_for, occto_admin):
    from capacity_market.models import AuditEntry

    data = {
        "kind": "additional", "delivery_fiscal_year": "2028", "name": "追加オークション（実需給2028年度）",
        "registration_opens_at_0": "2027-03-01", "registration_opens_at_1": "09:00:00",
        "expected_capacity_deadline_0": "2027-03-12", "expected_capacity_deadline_1": "18:00:00",
        "registration_closes_at_0": "2027-03-19", "registration_closes_at_1": "18:00:00",
        "bid_opens_at_0": "2027-04-05", "bid_opens_at_1": "09:00:00",
        "bid_closes_at_0": "2027-04-12", "bid_closes_at_1": "18:00:00",
        "clearing_at_0": "2027-04-20", "clearing_at_1": "09:00:00",
        "publication_at_0": "2027-05-10", "publication_at_1": "09:00:00",
        "contract_conclusion_at_0": "2027-06-01", "contract_conclusion_at_1": "09:00:00",
        "net_cone": "10156", "q_upper_kw": "1000", "target_kw": "2000", "q_zero_kw": "3000", "dr_cap_kw": "",
        "threshold_kw": "2000", "min_bid_kw": "1500",
    }
    for prefix, rows in (("fixed_supply_items", [{"label": "FIT", "kw": "500"}]),
                         ("adjustment_factors", [{"generation_type": "solar", "area": "kyushu", "factor": "0.1234"}]),
                         ("deduction_coefficients", []), ("short_blocks", []),
                         ("area_dr_caps", [{"area": "tokyo", "cap_kw": "540000"}])):
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    response = client_for(occto_admin).post(reverse("admin:auctions_auction_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    from auctions.models import Auction

    auction = Auction.objects.get(delivery_fiscal_year=2028)
    assert str(auction.upper_price) == "15234"
    assert (auction.threshold_kw, auction.min_bid_kw) == (2_000, 1_500)
    assert auction.adjustment_factor_for(generation_type="solar", area="kyushu") == factories_decimal("0.1234")
    assert AuditEntry.objects.filter(action="admin.add.auctions.auction").exists()
    assert AuditEntry.objects.filter(action="admin.change.auctions.auction_parameters").exists()
    assert list(auction.area_dr_caps.values_list("area", "cap_kw")) == [("tokyo", 540_000)]


def test_the_auction_admin_has_the_participation_and_bid_parameters(client_for, occto_admin, auction):
    page = client_for(occto_admin).get(reverse("admin:auctions_auction_change", args=[auction.pk])).content.decode()
    assert "参加要件と応札" in page
    assert 'name="threshold_kw" value="1000"' in page and 'name="min_bid_kw" value="1000"' in page
    detail = client_for(occto_admin).get(url("detail", pk=auction.pk)).content.decode()
    assert "参加要件（期待容量kW）" in detail and "最低応札容量（kW）" in detail


def factories_decimal(value):
    from decimal import Decimal

    return Decimal(value)


def test_an_operator_with_no_users_is_not_an_issue_for_the_pages(client_for, auction):
    lonely = factories.OperatorUserFactory()
    assert client_for(lonely).get(url("expected_capacity", pk=auction.pk)).status_code == 200


def test_the_auction_admin_lists_run_the_same_queries_at_1_and_50_rows(client_for, occto_admin, user_a, reviewer,
                                                                        operator_a):
    from auctions.models import SentReminder

    client = client_for(occto_admin)
    lists = ["/admin/auctions/auction/", "/admin/auctions/expectedcapacityapplication/",
             "/admin/auctions/expectedcapacity/", "/admin/auctions/sentreminder/"]

    def add_rows(n):
        for _ in range(n):
            auction = AuctionFactory()
            SentReminder.objects.create(auction=auction, deadline="bid_closes_at", deadline_at=auction.bid_closes_at)
            resource = ResourceFactory(operator=operator_a)
            approve(apply(auction, resource, user_a, 100_000), reviewer)
            apply(auction, resource, user_a, 90_000)

    add_rows(1)
    one = {target: _count_queries(client, target) for target in lists}
    add_rows(49)
    assert {target: _count_queries(client, target) for target in lists} == one
