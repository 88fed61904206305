"""The reviewer's queues (issue #9 §2.2): what each queue lists, the counts of applications awaiting a decision on
the admin index and the reviewer's home page, and going on to the next application after a decision, for every
type on the kit (operator information, resources, expected capacity)."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auctions.models import ExpectedCapacityApplication
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services as registration_services
from registration.models import OperatorApplication, ResourceApplication
from tests import factories

pytestmark = pytest.mark.django_db

OPERATOR_QUEUE = "admin:registration_operatorapplication_changelist"
RESOURCE_QUEUE = "admin:registration_resourceapplication_changelist"
EC_QUEUE = "admin:auctions_expectedcapacityapplication_changelist"


def change_url(application) -> str:
    opts = application._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[application.pk])


def operator_change(*, submitted_at=None, **changes) -> OperatorApplication:
    """A submitted change application of a new operator (by its administrator, through the service)."""
    operator = factories.OperatorFactory()
    admin = factories.OperatorAdminFactory(operator=operator)
    values = {**operator.info_values(), "contact_phone": "06-0000-0000", **changes}
    application = registration_services.submit_change_application(operator=operator, actor=admin, values=values)
    if submitted_at is not None:  # the order of submission, which the suite's frozen clock does not spread
        OperatorApplication.objects.filter(pk=application.pk).update(submitted_at=submitted_at)
    return application


def at(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=1) + dt.timedelta(minutes=minutes)


def decide(client, application, decision, comment="", query=""):
    url = change_url(application) + (f"?{query}" if query else "")
    return client.post(url, {"decision": decision, "comment": comment, "version": application.version})


def row_of(body: str, application) -> str:
    """The queue's row of `application`."""
    return re.search(rf"<tr[^>]*>(?:(?!</tr>).)*?{application.number}(?:(?!</tr>).)*</tr>", body, re.S).group(0)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- 1. What each queue lists ------------------------------------------------------------------------------------------

def test_the_expected_capacity_queue_shows_auction_resource_area_category_and_kw(client_for, reviewer, operator_a):
    auction = factories.AuctionFactory()
    resource = factories.ResourceFactory(operator=operator_a, name="さくら火力1号機", area="kansai",
                                         installed_kw=150_000)
    new = factories.ExpectedCapacityApplicationFactory(auction=auction, resource=resource, expected_kw=140_000)
    body = client_for(reviewer).get(reverse(EC_QUEUE)).content.decode()
    row = row_of(body, new)
    for shown in (str(auction), "さくら火力1号機", resource.grid_code, "関西", "安定電源",
                  "140,000", "設備 150,000", operator_a.code, "新規", "申請中"):
        assert shown in row, shown
    for heading in ("オークション", "電源等", "エリア", "区分", "期待容量(kW)"):
        assert f">{heading}<" in body or f">{heading}</a>" in body, heading


def test_a_change_of_expected_capacity_shows_the_approved_value_it_replaces(client_for, reviewer, operator_a):
    auction = factories.AuctionFactory()
    resource = factories.ResourceFactory(operator=operator_a, installed_kw=150_000)
    factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=120_000)
    change = factories.ExpectedCapacityApplicationFactory(auction=auction, resource=resource, expected_kw=130_000)
    assert change.kind == ApplicationKind.CHANGE
    body = client_for(reviewer).get(reverse(EC_QUEUE), {"status": "awaiting"}).content.decode()
    row = row_of(body, change)
    assert "130,000" in row and "現在 120,000" in row


def test_the_resource_queue_shows_area_kw_with_separators_and_what_a_change_changes(client_for, reviewer,
                                                                                    operator_a, admin_a):
    resource = factories.ResourceFactory(operator=operator_a, area="kyushu", installed_kw=50_000)
    values = {**resource.info_values(), "name": "改名後の電源"}
    change = registration_services.submit_resource_change_application(resource=resource, actor=admin_a,
                                                                       values=values, units=[])
    body = client_for(reviewer).get(reverse(RESOURCE_QUEUE), {"status": "awaiting"}).content.decode()
    row = row_of(body, change)
    assert "九州" in row and 'field-installed_kw_column">50,000<' in row
    assert "電源等名称" in row  # the changed item


def test_the_operator_queue_shows_what_a_change_changes(client_for, reviewer):
    change = operator_change(bank_name="なにわ銀行")
    body = client_for(reviewer).get(reverse(OPERATOR_QUEUE)).content.decode()
    row = row_of(body, change)
    assert "担当者電話番号" in row and "金融機関名" in row
    assert change.operator.code in row


def _ec_applications(count: int, operator) -> None:
    auction = factories.AuctionFactory()
    for _ in range(count):
        resource = factories.ResourceFactory(operator=operator, installed_kw=150_000)
        factories.ExpectedCapacityApplicationFactory(auction=auction, resource=resource, expected_kw=150_000)


def test_the_expected_capacity_queue_runs_the_same_queries_at_1_and_50_rows(client_for, reviewer, operator_a):
    client = client_for(reviewer)
    url = reverse(EC_QUEUE)
    _ec_applications(1, operator_a)
    one = count_queries(client, url)
    _ec_applications(49, factories.OperatorFactory())
    assert client.get(url).content.decode().count("review-badge-submitted") == 50
    assert count_queries(client, url) == one


def test_the_resource_queue_runs_the_same_queries_at_1_and_50_rows(client_for, reviewer, operator_a, admin_a):
    client = client_for(reviewer)
    url = reverse(RESOURCE_QUEUE)
    resources = [factories.ResourceFactory(operator=operator_a) for _ in range(25)]
    registration_services.submit_resource_change_application(
        resource=resources[0], actor=admin_a, values={**resources[0].info_values(), "name": "変更"}, units=[])
    one = count_queries(client, url)
    for resource in resources[1:]:
        registration_services.submit_resource_change_application(
            resource=resource, actor=admin_a, values={**resource.info_values(), "name": "変更"}, units=[])
    # 25 approved new applications and 25 change applications: 50 rows of both kinds.
    assert client.get(url).content.decode().count("review-badge-") == 50
    assert count_queries(client, url) == one


# --- 2. The counts of applications awaiting a decision -----------------------------------------------------------------

def _pending_rows(body: str) -> dict[str, str]:
    """{queue title: its count} from the pending table."""
    table = re.search(r'<table class="[^"]*review-pending">.*?</table>', body, re.S).group(0)
    return dict(re.findall(
        r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>\s*<td class="num"><a [^>]+><strong '
        r'class="review-pending-count">(\d+)</strong>', table))


def _some_pending(reviewer, operator_a, admin_a):
    """Three operator changes (one under review), one resource change, one expected-capacity application."""
    changes = [operator_change() for _ in range(3)]
    operator_change_to_reject = operator_change()
    registration_services.operator_applications.reject(
        application=operator_change_to_reject, actor=reviewer, comment="不備",
        expected_version=operator_change_to_reject.version)
    from capacity_market.review import start_review
    start_review(application=changes[0], actor=reviewer, expected_version=changes[0].version)
    resource = factories.ResourceFactory(operator=operator_a)
    registration_services.submit_resource_change_application(
        resource=resource, actor=admin_a, values={**resource.info_values(), "name": "変更"}, units=[])
    factories.ExpectedCapacityApplicationFactory(resource=resource)


def test_the_admin_index_shows_each_queue_s_applications_awaiting_a_decision(client_for, reviewer, operator_a,
                                                                             admin_a):
    _some_pending(reviewer, operator_a, admin_a)
    body = client_for(reviewer).get(reverse("admin:index")).content.decode()
    assert "審査待ちの申請" in body
    assert _pending_rows(body) == {"事業者情報申請": "3", "電源等申請": "1", "期待容量申請": "1"}
    assert f'href="{reverse(OPERATOR_QUEUE)}?status=awaiting"' in body


def test_the_count_links_to_the_queue_filtered_to_them_oldest_first(client_for, reviewer):
    newer = operator_change(submitted_at=at(30))
    older = operator_change(submitted_at=at(10))
    decided = operator_change(submitted_at=at(0))
    registration_services.approve_operator_application(application=decided, actor=reviewer,
                                                       expected_version=decided.version)
    body = client_for(reviewer).get(reverse(OPERATOR_QUEUE), {"status": "awaiting"}).content.decode()
    assert decided.number not in body
    assert body.index(older.number) < body.index(newer.number)
    assert "審査待ち" in body  # the filter's choice


def test_the_reviewer_s_home_page_shows_the_counts(client_for, reviewer, occto_admin, operator_a, admin_a):
    _some_pending(reviewer, operator_a, admin_a)
    for staff in (reviewer, occto_admin):
        body = client_for(staff).get(reverse("home")).content.decode()
        assert _pending_rows(body) == {"事業者情報申請": "3", "電源等申請": "1", "期待容量申請": "1"}
        assert f'href="{reverse(EC_QUEUE)}?status=awaiting"' in body


@pytest.mark.parametrize("persona", ["admin_a", "user_a", "staff_without_role"])
def test_operators_and_staff_without_an_occto_role_see_no_counts(request, client_for, reviewer, operator_a, admin_a,
                                                                persona):
    _some_pending(reviewer, operator_a, admin_a)
    user = (factories.UserFactory(is_staff=True) if persona == "staff_without_role"
            else request.getfixturevalue(persona))
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "review-pending" not in body and "審査待ちの申請" not in body


def test_the_counts_run_one_query_per_queue_whatever_is_waiting(client_for, reviewer, operator_a, admin_a):
    client = client_for(reviewer)
    operator_change()
    index, home = count_queries(client, reverse("admin:index")), count_queries(client, reverse("home"))
    _some_pending(reviewer, operator_a, admin_a)
    for _ in range(5):
        operator_change()
    assert count_queries(client, reverse("admin:index")) == index
    assert count_queries(client, reverse("home")) == home


# --- 3. The next application ----------------------------------------------------------------------------------------

def test_after_a_decision_the_reviewer_goes_on_to_the_oldest_waiting_application(client_for, reviewer):
    client = client_for(reviewer)
    third = operator_change(submitted_at=at(30))
    first = operator_change(submitted_at=at(10))
    second = operator_change(submitted_at=at(20))
    own = operator_change(submitted_at=at(0))  # the reviewer's own submission is never offered to them
    OperatorApplication.objects.filter(pk=own.pk).update(submitted_by=reviewer)

    response = decide(client, first, "approve")
    assert response.status_code == 302 and response.url == change_url(second)
    assert messages_of(response) == [f"{first.number} は「承認」になりました。",
                                     f"次は {second.number}（審査待ちで最も古い申請、残り 2 件）です。"]

    response = decide(client, second, "return", "電話番号を確認してください")
    assert response.url == change_url(third)

    response = decide(client, third, "reject", "根拠がありません")
    assert response.status_code == 302 and response.url == reverse(OPERATOR_QUEUE)
    assert messages_of(response)[-1] == "このキューに審査待ちの申請は他にありません。"
    statuses = {a.pk: a.status for a in OperatorApplication.objects.all()}
    assert [statuses[a.pk] for a in (first, second, third, own)] == [
        ReviewStatus.APPROVED, ReviewStatus.RETURNED, ReviewStatus.REJECTED, ReviewStatus.SUBMITTED]


def test_starting_a_review_stays_on_the_application_and_offers_the_next(client_for, reviewer):
    client = client_for(reviewer)
    first = operator_change(submitted_at=at(10))
    second = operator_change(submitted_at=at(20))
    response = decide(client, first, "start_review")
    assert response.url == change_url(first)
    page = client.get(response.url).content.decode()
    assert f'href="{change_url(second)}"' in page
    assert f"次の申請: {second.number}" in page
    assert "このキューで他に 1 件の申請が審査を待っています。" in page


def test_an_application_under_review_is_next_too_and_a_refused_decision_stays(client_for, reviewer):
    client = client_for(reviewer)
    first = operator_change(submitted_at=at(10))
    second = operator_change(submitted_at=at(20))
    from capacity_market.review import start_review
    start_review(application=second, actor=reviewer, expected_version=second.version)
    assert decide(client, first, "approve").url == change_url(second)
    second.refresh_from_db()
    response = client.post(change_url(second), {"decision": "approve", "comment": "", "version": second.version - 1})
    assert response.status_code == 200  # stale: refused on the page, nothing changed, no redirect
    second.refresh_from_db()
    assert second.status == ReviewStatus.UNDER_REVIEW


def test_the_next_application_keeps_the_queue_s_filter(client_for, reviewer):
    client = client_for(reviewer)
    wanted = operator_change(submitted_at=at(10))
    other = operator_change(submitted_at=at(5))
    following = OperatorApplication.objects.create(  # a second application of the same operator, decided already
        operator=wanted.operator, kind=ApplicationKind.CHANGE, status=ReviewStatus.REJECTED,
        **{f: getattr(wanted, f) for f in wanted.INFO_FIELDS})
    query = f"_changelist_filters=operator__id__exact%3D{wanted.operator_id}"
    response = decide(client, wanted, "approve", query=query)
    # Nothing else of that operator waits (the other operator's older application is outside the filter).
    assert response.url == reverse(OPERATOR_QUEUE) + f"?operator__id__exact={wanted.operator_id}"
    assert following.status == ReviewStatus.REJECTED and other.status == ReviewStatus.SUBMITTED

    # A filter on a decided status does not hide the waiting ones; the search is kept.
    third = operator_change(submitted_at=at(20), name="ひかり電力株式会社")
    fourth = operator_change(submitted_at=at(30), name="ひかり電力株式会社")
    query = "_changelist_filters=status%3Dapproved%26q%3D%E3%81%B2%E3%81%8B%E3%82%8A"
    response = decide(client, third, "approve", query=query)
    assert urlsplit(response.url).path == change_url(fourth)
    assert parse_qs(urlsplit(response.url).query) == {"_changelist_filters": ["status=approved&q=ひかり"]}


def test_an_odd_filter_falls_back_to_the_whole_queue(client_for, reviewer):
    client = client_for(reviewer)
    first = operator_change(submitted_at=at(10))
    second = operator_change(submitted_at=at(20))
    for odd in ("operator__id__exact%3Dabc", "submitted_at__gte%3Dnot-a-date", "p%3D999%26o%3Dx",
                "submitted_by__password__startswith%3Dx", "_to_field%3Dpassword"):
        page = client.get(change_url(first) + f"?_changelist_filters={odd}")
        assert page.status_code == 200, odd
        assert f"次の申請: {second.number}" in page.content.decode(), odd


def test_the_expected_capacity_and_resource_queues_go_on_to_the_next_too(client_for, reviewer, operator_a):
    client = client_for(reviewer)
    auction = factories.AuctionFactory()
    first, second = (factories.ExpectedCapacityApplicationFactory(
        auction=auction, resource=factories.ResourceFactory(operator=operator_a), expected_kw=100_000)
        for _ in range(2))
    ExpectedCapacityApplication.objects.filter(pk=second.pk).update(submitted_at=first.submitted_at
                                                                    + dt.timedelta(minutes=1))
    assert decide(client, first, "approve").url == change_url(second)
    assert decide(client, second, "approve").url == reverse(EC_QUEUE)

    resource = factories.ResourceFactory(operator=operator_a)
    resource_change = registration_services.submit_resource_change_application(
        resource=resource, actor=factories.OperatorAdminFactory(operator=operator_a),
        values={**resource.info_values(), "name": "変更"}, units=[])
    response = decide(client, resource_change, "return", "名称の根拠を添付してください")
    assert response.url == reverse(RESOURCE_QUEUE)
    assert ResourceApplication.objects.get(pk=resource_change.pk).status == ReviewStatus.RETURNED


def test_the_decision_page_runs_the_same_queries_however_many_wait(client_for, reviewer):
    client = client_for(reviewer)
    application = operator_change(submitted_at=at(0))
    operator_change(submitted_at=at(1))
    url = change_url(application)
    few = count_queries(client, url)
    for minutes in range(2, 12):
        operator_change(submitted_at=at(minutes))
    assert count_queries(client, url) == few


# --- 4. 「判定」 once ---------------------------------------------------------------------------------------------------

def test_the_decision_page_names_the_decision_once(client_for, reviewer):
    application = operator_change()
    body = client_for(reviewer).get(change_url(application)).content.decode()
    assert body.count(">判定<") == 1
    assert "<legend>判定</legend>" not in body
    assert 'aria-labelledby="review-decide"' in body
