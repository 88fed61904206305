"""The admin lists not pinned in their own app's tests run the same number of queries at 1 and at 50 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AdminIdIssuance
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _make_operators_with_admins(n: int) -> None:
    for _ in range(n):
        admin = factories.OperatorAdminFactory()
        AdminIdIssuance.objects.create(operator=admin.operator, user=admin)
        factories.OperatorUserFactory(operator=admin.operator)


@pytest.mark.parametrize(
    "url",
    ["/admin/accounts/user/", "/admin/tenants/operator/", "/admin/accounts/adminidissuance/",
     "/admin/accounts/termsversion/", "/admin/"],
)
def test_the_admin_list_runs_the_same_queries_at_1_and_50_rows(client_for, occto_admin, url):
    client = client_for(occto_admin)
    _make_operators_with_admins(1)
    one = _queries(client, url)
    _make_operators_with_admins(49)
    fifty = _queries(client, url)
    assert fifty == one, f"{url}: {one} queries at 1 row, {fifty} at 50"
