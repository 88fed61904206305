"""Every list page runs a constant number of queries, whatever its row count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capacity_market.review import ApplicationKind, ReviewStatus
from tests import factories


def make_applications(operator, count: int, submitter, status=ReviewStatus.REJECTED) -> None:
    for _ in range(count):
        factories.OperatorApplicationFactory(operator=operator, kind=ApplicationKind.CHANGE, status=status,
                                             submitted_by=submitter)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_operators_application_list_runs_the_same_queries_at_1_and_50(client_for, admin_a, operator_a):
    client = client_for(admin_a)
    url = reverse("registration:operator_detail")
    make_applications(operator_a, 1, admin_a, status=ReviewStatus.SUBMITTED)
    one = count_queries(client, url)
    make_applications(operator_a, 49, admin_a)
    body = client.get(url).content.decode()
    assert body.count("badge-rejected") == 49
    assert body.count("badge-submitted") == 2, "the open application's row, and its panel (the way forward)"
    assert count_queries(client, url) == one


def test_the_review_queue_runs_the_same_queries_at_1_and_50(client_for, reviewer, operator_a, admin_a):
    client = client_for(reviewer)
    url = reverse("admin:registration_operatorapplication_changelist")
    make_applications(operator_a, 1, admin_a, status=ReviewStatus.SUBMITTED)
    one = count_queries(client, url)
    operators = [factories.OperatorFactory() for _ in range(7)]
    for n in range(49):
        factories.OperatorApplicationFactory(
            operator=operators[n % 7], kind=ApplicationKind.CHANGE if n % 2 else ApplicationKind.DELETION,
            status=ReviewStatus.REJECTED,
        )
    body = client.get(url).content.decode()
    assert body.count("review-badge-rejected") == 49
    assert count_queries(client, url) == one
