"""The kit tested on its own test-only application type (capacity_market/tests/kit_app), not a business app's."""

import pytest
from django.db import IntegrityError

from capacity_market import review
from capacity_market.errors import DomainError
from capacity_market.review.testing import ReviewContractTests
from capacity_market.tests.kit_app.models import Gadget, GadgetApplication
from capacity_market.tests.kit_app.services import gadget_applications, submit_gadget_application

pytestmark = pytest.mark.urls("capacity_market.tests.kit_app.urls")
K = review.ApplicationKind


class TestGadgetApplicationContract(ReviewContractTests):
    app_type = gadget_applications

    def make_application(self, *, operator, actor):
        return submit_gadget_application(operator=operator, actor=actor, label="ガジェット")


def _approved_gadget(operator, user, reviewer) -> Gadget:
    application = submit_gadget_application(operator=operator, actor=user, label="初版")
    gadget_applications.approve(application=application, actor=reviewer, expected_version=application.version)
    return Gadget.objects.get(pk=GadgetApplication.objects.get(pk=application.pk).gadget_id)


@pytest.mark.django_db
class TestTheApplyStep:
    def test_a_new_application_creates_the_subject_on_approval(self, operator_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        assert (gadget.label, gadget.operator_id) == ("初版", operator_a.pk)

    def test_a_change_copies_the_declared_fields_and_is_audited(self, operator_a, user_a, reviewer):
        from capacity_market.models import AuditEntry

        gadget = _approved_gadget(operator_a, user_a, reviewer)
        change = submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget,
                                           kind=K.CHANGE)
        assert change.comparison_rows() == [("label", "初版", "第二版")]
        gadget_applications.approve(application=change, actor=reviewer, expected_version=change.version)
        gadget.refresh_from_db()
        assert gadget.label == "第二版"
        entry = AuditEntry.objects.get(action="kit_app.gadget_changed")
        assert (entry.before["label"], entry.after["label"]) == ("初版", "第二版")

    def test_a_change_that_changes_nothing_is_refused(self, operator_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        with pytest.raises(DomainError):
            submit_gadget_application(operator=operator_a, actor=user_a, label="初版", gadget=gadget, kind=K.CHANGE)
        assert not GadgetApplication.objects.filter(kind=K.CHANGE).exists()

    def test_a_deletion_deactivates_the_subject(self, operator_a, admin_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        deletion = submit_gadget_application(operator=operator_a, actor=admin_a, label=gadget.label, gadget=gadget,
                                             kind=K.DELETION)
        gadget_applications.approve(application=deletion, actor=reviewer, expected_version=deletion.version)
        gadget.refresh_from_db()
        assert not gadget.is_active and gadget.deleted_at is not None

    def test_only_the_operator_admin_may_withdraw_a_deletion(self, operator_a, admin_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        deletion = submit_gadget_application(operator=operator_a, actor=admin_a, label=gadget.label, gadget=gadget,
                                             kind=K.DELETION)
        with pytest.raises(review.NotAllowed):
            gadget_applications.withdraw(application=deletion, actor=user_a, expected_version=deletion.version)

    def test_one_open_application_per_subject(self, operator_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        submit_gadget_application(operator=operator_a, actor=user_a, label="二", gadget=gadget, kind=K.CHANGE)
        with pytest.raises(review.OpenApplicationExists):
            submit_gadget_application(operator=operator_a, actor=user_a, label="三", gadget=gadget, kind=K.CHANGE)

    def test_the_database_holds_the_one_open_rule_without_the_service(self, operator_a, user_a, reviewer):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        GadgetApplication.objects.create(kind=K.CHANGE, operator=operator_a, gadget=gadget, label="二",
                                         status=review.ReviewStatus.SUBMITTED)
        with pytest.raises(IntegrityError):
            GadgetApplication.objects.create(kind=K.CHANGE, operator=operator_a, gadget=gadget, label="三",
                                             status=review.ReviewStatus.RETURNED)

    def test_a_change_must_name_its_subject(self, operator_a):
        with pytest.raises(IntegrityError):
            GadgetApplication.objects.create(kind=K.CHANGE, operator=operator_a, label="x")

    def test_the_list_runs_a_constant_number_of_queries(self, operator_a, user_a, client_for,
                                                         django_assert_max_num_queries):
        client = client_for(user_a)
        submit_gadget_application(operator=operator_a, actor=user_a, label="1")
        with django_assert_max_num_queries(12) as one:
            client.get(gadget_applications.url("list"))
        for n in range(30):
            submit_gadget_application(operator=operator_a, actor=user_a, label=f"g{n}")
        with django_assert_max_num_queries(len(one.captured_queries)):
            client.get(gadget_applications.url("list"))


@pytest.mark.django_db
class TestTheOpenApplicationPage:
    """A change or deletion form is never shown while its subject has an open application: the kit's page shows the
    open application, its state and the way forward instead (friction item 1, fixed once in the kit)."""

    def _page(self, client, gadget):
        return client.get(f"/kit/gadget/{gadget.pk}/change/")

    def test_without_an_open_application_the_form_is_shown(self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        body = self._page(client_for(user_a), gadget).content.decode()
        assert 'id="gadget-change-form"' in body and "data-open-application" not in body

    def test_a_submitted_application_is_shown_with_its_state_and_withdraw_instead_of_the_form(
            self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        change = submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget,
                                           kind=K.CHANGE)
        response = self._page(client_for(user_a), gadget)
        body = response.content.decode()
        assert response.status_code == 200
        assert 'id="gadget-change-form"' not in body
        assert f'data-open-application="{change.number}"' in body
        assert "申請中" in body, "its state"
        assert "広域機関はこの申請をまだ判定していません" in body
        assert f"/kit/gadgets/{change.pk}/withdraw/?next=%2Fkit%2Fgadget%2F{gadget.pk}%2Fchange%2F" in body
        assert f"/kit/gadgets/{change.pk}/resubmit/" not in body, "only a returned application is corrected"

    def test_a_returned_application_says_it_waits_for_the_applicant(self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        change = submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget,
                                           kind=K.CHANGE)
        gadget_applications.send_back(application=change, actor=reviewer, comment="ラベルを確認してください",
                                      expected_version=change.version)
        body = self._page(client_for(user_a), gadget).content.decode()
        assert "差し戻されました" in body and "広域機関ではなく、あなたの対応を待っています" in body
        assert "ラベルを確認してください" in body
        assert f"/kit/gadgets/{change.pk}/resubmit/" in body
        assert f"/kit/gadgets/{change.pk}/withdraw/" in body

    def test_a_deletion_only_the_administrator_may_withdraw_says_so(self, operator_a, admin_a, user_a, reviewer,
                                                                    client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        deletion = submit_gadget_application(operator=operator_a, actor=admin_a, label=gadget.label, gadget=gadget,
                                             kind=K.DELETION)
        body = self._page(client_for(user_a), gadget).content.decode()
        assert f'data-open-application="{deletion.number}"' in body
        assert f"/kit/gadgets/{deletion.pk}/withdraw/" not in body
        assert "削除申請を取下げられるのは事業者の管理者のみです" in body

    def test_a_form_posted_from_an_old_tab_is_not_sent_and_says_why(self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget, kind=K.CHANGE)
        response = client_for(user_a).post(f"/kit/gadget/{gadget.pk}/change/", {"label": "第三版"})
        assert response.status_code == 200
        assert "data-open-application" in response.content.decode()
        assert GadgetApplication.objects.filter(kind=K.CHANGE).count() == 1

    def test_withdrawing_from_the_page_comes_back_to_the_form(self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        change = submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget,
                                           kind=K.CHANGE)
        client = client_for(user_a)
        page = f"/kit/gadget/{gadget.pk}/change/"
        confirm = client.get(f"/kit/gadgets/{change.pk}/withdraw/", {"next": page}).content.decode()
        assert f'name="next" value="{page}"' in confirm
        response = client.post(f"/kit/gadgets/{change.pk}/withdraw/", {"version": change.version, "next": page})
        assert response.status_code == 302 and response["Location"] == page
        assert 'id="gadget-change-form"' in client.get(page).content.decode()

    def test_a_foreign_next_is_ignored(self, operator_a, user_a, reviewer, client_for):
        gadget = _approved_gadget(operator_a, user_a, reviewer)
        change = submit_gadget_application(operator=operator_a, actor=user_a, label="第二版", gadget=gadget,
                                           kind=K.CHANGE)
        response = client_for(user_a).post(f"/kit/gadgets/{change.pk}/withdraw/",
                                           {"version": change.version, "next": "https://evil.example/"})
        assert response["Location"] == f"/kit/gadgets/{change.pk}/"
