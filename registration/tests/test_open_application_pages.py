"""Friction item 1, per type: a change or deletion page whose subject has an open application shows that
application, its state and the way forward (the kit's page) instead of a form that could not be sent; once the
application is withdrawn (from that page, which comes back to it) or decided, the form is there again."""

import pytest

from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import OperatorApplication, ResourceApplication
from tests import factories

from .conftest import info_values

pytestmark = pytest.mark.django_db

FORM = '<form method="post" class="stacked"'


def _change(operator, actor):
    return services.submit_change_application(operator=operator, actor=actor,
                                              values=info_values(operator, contact_phone="06-9999-0000"))


# --- operator information: change and deletion -------------------------------------------------------------------
def test_the_operator_change_page_shows_the_open_application_instead_of_the_form(operator_a, user_a, client_for):
    application = _change(operator_a, user_a)
    body = client_for(user_a).get("/registration/operator/change/").content.decode()
    assert FORM not in body
    assert f'data-open-application="{application.number}"' in body
    assert "申請中" in body and "広域機関はこの申請をまだ判定していません" in body
    assert f"/registration/operator/applications/{application.pk}/withdraw/?next=%2Fregistration%2Foperator%2Fchange%2F" in body


def test_a_returned_operator_change_says_it_waits_for_the_applicant(operator_a, user_a, reviewer, client_for):
    application = _change(operator_a, user_a)
    services.send_back_operator_application(application=application, actor=reviewer, comment="電話番号を確認",
                                            expected_version=application.version)
    body = client_for(user_a).get("/registration/operator/change/").content.decode()
    assert "差し戻されました" in body and "あなたの対応を待っています" in body and "電話番号を確認" in body
    assert f"/registration/operator/applications/{application.pk}/resubmit/" in body


def test_withdrawing_from_the_operator_change_page_brings_back_the_form(operator_a, user_a, client_for):
    application = _change(operator_a, user_a)
    client = client_for(user_a)
    page = "/registration/operator/change/"
    response = client.post(f"/registration/operator/applications/{application.pk}/withdraw/",
                           {"version": application.version, "next": page})
    assert response.status_code == 302 and response["Location"] == page
    application.refresh_from_db()
    assert application.status == ReviewStatus.WITHDRAWN
    assert FORM in client.get(page).content.decode()


def test_a_change_posted_while_one_is_open_is_not_sent(operator_a, user_a, client_for):
    _change(operator_a, user_a)
    response = client_for(user_a).post("/registration/operator/change/", {"contact_phone": "03-0000-0000"})
    assert response.status_code == 200 and "data-open-application" in response.content.decode()
    assert OperatorApplication.objects.filter(kind=ApplicationKind.CHANGE).count() == 1


def test_the_operator_deletion_page_shows_the_open_application(operator_a, admin_a, user_a, client_for):
    application = _change(operator_a, user_a)
    body = client_for(admin_a).get("/registration/operator/delete/").content.decode()
    assert FORM not in body and f'data-open-application="{application.number}"' in body


def test_the_operator_page_shows_the_open_application_panel(operator_a, user_a, client_for):
    application = _change(operator_a, user_a)
    body = client_for(user_a).get("/registration/operator/").content.decode()
    assert f'data-open-application="{application.number}"' in body
    assert "/registration/operator/change/" not in body


# --- resources: change and deletion --------------------------------------------------------------------------------
def _resource_change(resource, actor):
    values = {**resource.info_values(), "name": "みらい火力1号機（改）"}
    return services.submit_resource_change_application(resource=resource, actor=actor, values=values,
                                                       units=[], applicant_comment="")


def test_the_resource_change_page_shows_the_open_application(operator_a, user_a, client_for):
    resource = factories.ResourceFactory(operator=operator_a, submitted_by=user_a)
    application = _resource_change(resource, user_a)
    body = client_for(user_a).get(f"/registration/resources/{resource.pk}/change/").content.decode()
    assert FORM not in body
    assert f'data-open-application="{application.number}"' in body and "申請中" in body
    assert (f"/registration/resources/applications/{application.pk}/withdraw/"
            f"?next=%2Fregistration%2Fresources%2F{resource.pk}%2Fchange%2F") in body


def test_the_resource_deletion_page_shows_the_open_application(operator_a, admin_a, user_a, client_for):
    resource = factories.ResourceFactory(operator=operator_a, submitted_by=user_a)
    application = _resource_change(resource, user_a)
    body = client_for(admin_a).get(f"/registration/resources/{resource.pk}/delete/").content.decode()
    assert FORM not in body and f'data-open-application="{application.number}"' in body


def test_an_open_resource_deletion_shown_to_a_user_says_only_the_admin_withdraws_it(operator_a, admin_a, user_a,
                                                                                    client_for):
    resource = factories.ResourceFactory(operator=operator_a, submitted_by=user_a)
    deletion = services.submit_resource_deletion_application(resource=resource, actor=admin_a, reason="廃止")
    body = client_for(user_a).get(f"/registration/resources/{resource.pk}/change/").content.decode()
    assert f'data-open-application="{deletion.number}"' in body
    assert "削除申請を取下げられるのは事業者の管理者のみです" in body
    assert f"/registration/resources/applications/{deletion.pk}/withdraw/" not in body


def test_withdrawing_from_the_resource_change_page_brings_back_the_form(operator_a, user_a, client_for):
    resource = factories.ResourceFactory(operator=operator_a, submitted_by=user_a)
    application = _resource_change(resource, user_a)
    client = client_for(user_a)
    page = f"/registration/resources/{resource.pk}/change/"
    client.post(f"/registration/resources/applications/{application.pk}/withdraw/",
                {"version": application.version, "next": page})
    assert ResourceApplication.objects.get(pk=application.pk).status == ReviewStatus.WITHDRAWN
    assert FORM in client.get(page).content.decode()
