"""`ReviewContractTests`: the contract every application type keeps, as a test base each type's tests subclass.

    class TestResourceApplicationContract(ReviewContractTests):
        app_type = services.resource_applications

        def make_application(self, *, operator, actor):      # a submitted application of `operator` by `actor`
            return services.submit_new_resource_application(operator=operator, actor=actor, values=...)

        def resubmit_values(self, application):               # corrected values for a returned application
            return {**application.info_values(), "name": "corrected"}

It checks, through the type's own services and the kit's pages: each transition and each refused one, a stale
version refused with nothing changed, the submitter cannot decide, history + audit + e-mail on commit, another
operator's user gets 404 on every page, withdraw only on a confirmed POST, the list's filters, and the review
queue in the admin. The personas are the project's fixtures (conftest.py): operator_a, user_a, user_b, reviewer.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from capacity_market.models import AuditEntry

from . import workflow
from .types import ApplicationType
from .workflow import ALLOWED_TRANSITIONS, ApplicationKind, ReviewError, ReviewStatus

S = ReviewStatus


@pytest.mark.django_db
class ReviewContractTests:
    app_type: ApplicationType
    # The kind `make_application` files (the list filter is checked with it).
    kind = ApplicationKind.NEW

    # --- what a subclass provides -------------------------------------------------------------------------------
    def make_application(self, *, operator, actor):
        raise NotImplementedError("return a submitted application of `operator` filed by `actor`")

    def resubmit_values(self, application) -> dict:
        """Corrected values for the type's `resubmit` (default: the application's own values)."""
        return {**application.info_values(), "applicant_comment": "corrected"}

    # --- helpers -------------------------------------------------------------------------------------------------
    @pytest.fixture
    def submitted(self, operator_a, user_a):
        application = self.make_application(operator=operator_a, actor=user_a)
        assert application.status == S.SUBMITTED
        return application

    def _reload(self, application):
        return type(application)._default_manager.get(pk=application.pk)

    def _move(self, application, target, reviewer, user):
        """Drive `application` to `target` through the type's services (returns the refreshed application)."""
        t, v = self.app_type, application.version
        if target == S.UNDER_REVIEW:
            workflow.start_review(application=application, actor=reviewer, expected_version=v)
        elif target == S.APPROVED:
            t.approve(application=application, actor=reviewer, expected_version=v)
        elif target == S.RETURNED:
            t.send_back(application=application, actor=reviewer, comment="直してください", expected_version=v)
        elif target == S.REJECTED:
            t.reject(application=application, actor=reviewer, comment="却下します", expected_version=v)
        elif target == S.WITHDRAWN:
            t.withdraw(application=application, actor=user, expected_version=v)
        elif target == S.SUBMITTED:
            t.resubmit(application=application, actor=user, values=self.resubmit_values(application),
                       expected_version=v)
        return self._reload(application)

    # --- transitions ------------------------------------------------------------------------------------------------
    def test_submitted_goes_under_review_and_is_approved(self, submitted, reviewer, user_a):
        application = self._move(submitted, S.UNDER_REVIEW, reviewer, user_a)
        assert application.status == S.UNDER_REVIEW
        application = self._move(application, S.APPROVED, reviewer, user_a)
        assert application.status == S.APPROVED
        assert application.reviewed_by == reviewer

    def test_returned_is_resubmitted_by_the_applicant(self, submitted, reviewer, user_a):
        application = self._move(submitted, S.RETURNED, reviewer, user_a)
        assert application.status == S.RETURNED
        application = self._move(application, S.SUBMITTED, reviewer, user_a)
        assert application.status == S.SUBMITTED

    def test_rejected_and_withdrawn_are_final(self, operator_a, user_a, reviewer):
        for target in (S.REJECTED, S.WITHDRAWN, S.APPROVED):
            application = self._move(self.make_application(operator=operator_a, actor=user_a), target, reviewer,
                                     user_a)
            assert application.status == target
            assert not ALLOWED_TRANSITIONS[target]
            for move in (S.APPROVED, S.RETURNED, S.WITHDRAWN, S.SUBMITTED):
                with pytest.raises(ReviewError):
                    self._move(application, move, reviewer, user_a)
                assert self._reload(application).status == target

    def test_a_returned_application_cannot_be_decided_before_resubmission(self, submitted, reviewer, user_a):
        application = self._move(submitted, S.RETURNED, reviewer, user_a)
        for move in (S.APPROVED, S.REJECTED, S.UNDER_REVIEW):
            with pytest.raises(ReviewError):
                self._move(application, move, reviewer, user_a)
        assert self._reload(application).status == S.RETURNED

    def test_the_applicant_cannot_decide_and_the_reviewer_cannot_withdraw(self, submitted, reviewer, user_a):
        with pytest.raises(ReviewError):
            self._move(submitted, S.APPROVED, user_a, user_a)
        with pytest.raises(ReviewError):
            self._move(submitted, S.WITHDRAWN, reviewer, reviewer)
        assert self._reload(submitted).status == S.SUBMITTED

    def test_a_stale_version_is_refused_and_nothing_changes(self, submitted, reviewer):
        stale = submitted.version
        workflow.start_review(application=submitted, actor=reviewer, expected_version=stale)
        before = self._reload(submitted)
        with pytest.raises(workflow.StaleApplication):
            self.app_type.approve(application=before, actor=reviewer, expected_version=stale)
        after = self._reload(submitted)
        assert (after.status, after.version) == (before.status, before.version)
        assert not submitted.history().filter(to_status=S.APPROVED).exists()

    def test_the_submitter_cannot_decide_their_own_application(self, submitted, reviewer):
        type(submitted)._default_manager.filter(pk=submitted.pk).update(submitted_by=reviewer)
        application = self._reload(submitted)
        with pytest.raises(workflow.NotAllowed):
            self.app_type.approve(application=application, actor=reviewer, expected_version=application.version)
        assert self._reload(application).status == S.SUBMITTED

    def test_a_decision_writes_history_and_audit_and_mails_the_applicant_on_commit(
            self, submitted, reviewer, user_a, mailoutbox, django_capture_on_commit_callbacks):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            self.app_type.send_back(application=submitted, actor=reviewer, comment="直してください",
                                    expected_version=submitted.version)
            assert not mailoutbox, "no mail before the decision is committed"
        entries = list(submitted.history())
        assert [(e.from_status, e.to_status) for e in entries][-1] == (S.SUBMITTED, S.RETURNED)
        label = type(submitted)._meta.label_lower
        assert AuditEntry.objects.filter(action=f"{label}.returned", target_id=str(submitted.pk)).exists()
        assert any(user_a.email in m.to for m in mailoutbox)

    # --- the operator pages ----------------------------------------------------------------------------------------
    def test_another_operator_gets_404_on_every_page(self, submitted, user_b, client_for):
        client = client_for(user_b)
        for page in ("detail", "resubmit", "withdraw"):
            url = self.app_type.url(page, submitted)
            assert client.get(url).status_code == 404, url
            if page != "detail":  # the detail answers a POST 405, before looking anything up
                assert client.post(url, {"version": submitted.version}).status_code == 404, url
        assert submitted.number not in client.get(self.app_type.url("list")).content.decode()
        assert self._reload(submitted).status == S.SUBMITTED

    def test_the_detail_shows_the_status_and_history(self, submitted, user_a, client_for):
        response = client_for(user_a).get(self.app_type.url("detail", submitted))
        assert response.status_code == 200
        assert submitted.number in response.content.decode()
        assert response.context["history"]

    def test_withdraw_happens_only_on_a_confirmed_post(self, submitted, user_a, client_for):
        client = client_for(user_a)
        url = self.app_type.url("withdraw", submitted)
        response = client.get(url)
        assert response.status_code == 200
        assert self._reload(submitted).status == S.SUBMITTED
        assert client.post(url, {}).status_code == 302
        assert self._reload(submitted).status == S.SUBMITTED, "a POST without the version changes nothing"
        assert client.post(url, {"version": submitted.version}).status_code == 302
        assert self._reload(submitted).status == S.WITHDRAWN

    def test_the_resubmit_page_opens_only_for_a_returned_application(self, submitted, reviewer, user_a,
                                                                       client_for):
        client = client_for(user_a)
        url = self.app_type.url("resubmit", submitted)
        assert client.get(url).status_code == 302
        self._move(submitted, S.RETURNED, reviewer, user_a)
        assert client.get(url).status_code == 200

    def test_the_list_filters_by_status_and_kind(self, submitted, user_a, client_for):
        client = client_for(user_a)
        url = self.app_type.url("list")

        def shown(query):
            response = client.get(url, query)
            assert response.status_code == 200
            return submitted.number in response.content.decode()

        assert shown({})
        assert shown({"status": S.SUBMITTED})
        assert not shown({"status": S.APPROVED})
        assert shown({"kind": self.kind})
        other_kind = next(k for k in ApplicationKind.values if k != self.kind)
        assert not shown({"kind": other_kind})
        assert shown({"status": "no-such-status", "kind": "<script>"})

    # --- the reviewer's queue ---------------------------------------------------------------------------------------
    def test_the_reviewer_decides_in_the_admin_queue(self, submitted, reviewer, client_for):
        opts = type(submitted)._meta
        client = client_for(reviewer)
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except Exception:  # noqa: BLE001 - a type without a queue (the kit's test type) has nothing to check here
            pytest.skip("no review queue registered for this type")
        assert client.get(changelist).status_code == 200
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[submitted.pk])
        response = client.post(change, {"decision": "return", "comment": "直してください",
                                        "version": submitted.version})
        assert response.status_code == 302
        assert self._reload(submitted).status == S.RETURNED
