import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from capacity_market.models import AuditEntry
from notices import services
from notices.models import DispatchStatus, Notice, NoticeDelivery, NoticeDispatch, NoticeRead
from notices.tasks import send_notice_email
from tests.factories import NoticeFactory, OperatorAdminFactory, OperatorUserFactory
from tests.mail_backends import FlakyBackend

pytestmark = pytest.mark.django_db


class TestSaving:
    def test_an_occto_admin_creates_a_notice_to_chosen_operators_and_it_is_audited(self, occto_admin, operator_a):
        notice = Notice(title="年末年始の休止", body="本文", category="maintenance", publish_from=timezone.now(),
                        to_all_operators=False)

        services.notice_save(actor=occto_admin, notice=notice, operators=[operator_a])

        notice.refresh_from_db()
        assert notice.created_by == occto_admin
        assert list(notice.operators.all()) == [operator_a]
        entry = AuditEntry.objects.get(action="notices.notice_created")
        assert entry.actor_id == occto_admin.pk
        assert entry.target_id == str(notice.pk)
        assert entry.after["operators"] == [operator_a.pk]

    def test_a_change_is_audited_with_before_and_after(self, occto_admin):
        notice = NoticeFactory(title="旧件名")
        notice.title = "新件名"

        services.notice_save(actor=occto_admin, notice=notice, operators=[])

        entry = AuditEntry.objects.get(action="notices.notice_changed")
        assert entry.before["title"] == "旧件名"
        assert entry.after["title"] == "新件名"

    def test_addressing_all_operators_clears_the_chosen_ones(self, occto_admin, operator_a):
        notice = NoticeFactory(operators=[operator_a])
        notice.to_all_operators = True

        services.notice_save(actor=occto_admin, notice=notice, operators=[operator_a])

        assert notice.operators.count() == 0

    @pytest.mark.parametrize("persona", ["reviewer", "admin_a", "user_a"])
    def test_nobody_but_an_occto_admin_may_write_a_notice(self, request, persona):
        actor = request.getfixturevalue(persona)
        notice = Notice(title="x", body="y", publish_from=timezone.now())

        with pytest.raises(services.NoticeError):
            services.notice_save(actor=actor, notice=notice, operators=[])
        assert not Notice.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="notices.").exists()

    def test_deleting_is_audited_with_the_last_values(self, occto_admin):
        notice = NoticeFactory(title="消すお知らせ")
        pk = notice.pk

        services.notice_delete(actor=occto_admin, notice=notice)

        assert not Notice.objects.filter(pk=pk).exists()
        assert AuditEntry.objects.get(action="notices.notice_deleted").before["title"] == "消すお知らせ"


class TestMarkRead:
    def test_marking_read_twice_keeps_one_mark_and_the_first_time(self, user_a):
        notice = NoticeFactory()
        first = services.notice_mark_read(user=user_a, notice=notice)

        again = services.notice_mark_read(user=user_a, notice=notice)

        assert again.pk == first.pk
        assert again.read_at == first.read_at
        assert NoticeRead.objects.count() == 1


class TestEmailDispatch:
    @pytest.fixture
    def audience(self, operator_a, operator_b):
        japanese = OperatorUserFactory(operator=operator_a, login_id="ja-user", language="ja")
        english = OperatorUserFactory(operator=operator_a, login_id="en-user", language="en")
        admin = OperatorAdminFactory(operator=operator_a, login_id="a-admin")
        OperatorUserFactory(operator=operator_a, login_id="gone-user", is_active=False)
        other = OperatorUserFactory(operator=operator_b, login_id="b-user")
        return {"ja": japanese, "en": english, "admin": admin, "b": other}

    def test_the_task_mails_each_active_audience_user_once_in_their_language(self, occto_admin, operator_a,
                                                                             audience,
                                                                             django_capture_on_commit_callbacks):
        notice = NoticeFactory(title="容量オークションの日程", operators=[operator_a], importance="high")
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin)

        with django_capture_on_commit_callbacks(execute=True):
            sent = send_notice_email.delay(dispatch.pk).get()

        assert sent == 3
        by_address = {m.to[0]: m for m in mail.outbox}
        assert set(by_address) == {audience["ja"].email, audience["en"].email, audience["admin"].email}
        english = by_address[audience["en"].email]
        japanese = by_address[audience["ja"].email]
        assert english.subject == "[Capacity Market System] [Important] Notice: 容量オークションの日程"
        assert "Dear" in english.body
        assert japanese.subject == "【容量市場システム】【重要】 お知らせ: 容量オークションの日程"
        assert f"/notices/{notice.pk}/" in japanese.body
        assert "本文" not in japanese.subject
        assert "重要度: 高" in japanese.body and "Importance: High" in english.body

    def test_a_dispatch_is_recorded_with_each_recipient_and_the_counts(self, occto_admin, operator_a, audience):
        notice = NoticeFactory(operators=[operator_a])
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin)

        send_notice_email.delay(dispatch.pk)

        dispatch.refresh_from_db()
        notice.refresh_from_db()
        assert dispatch.status == DispatchStatus.SENT
        assert (dispatch.recipient_count, dispatch.sent_count, dispatch.failed_count) == (3, 3, 0)
        assert notice.emailed_at == dispatch.finished_at
        assert {d.language for d in NoticeDelivery.objects.filter(dispatch=dispatch)} == {"ja", "en"}
        assert AuditEntry.objects.get(action="notices.dispatch_sent").after["sent"] == 3

    def test_running_a_finished_dispatch_again_sends_nothing(self, occto_admin, operator_a, audience):
        notice = NoticeFactory(operators=[operator_a])
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin)
        send_notice_email.delay(dispatch.pk)
        mail.outbox.clear()

        assert send_notice_email.delay(dispatch.pk).get() == 0
        assert mail.outbox == []

    def test_a_retried_dispatch_carries_on_with_those_not_yet_mailed(self, occto_admin, operator_a, audience,
                                                                     django_capture_on_commit_callbacks):
        notice = NoticeFactory(operators=[operator_a])
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin,
                                                 status=DispatchStatus.SENDING, recipient_count=3, sent_count=1)
        NoticeDelivery.objects.create(dispatch=dispatch, user=audience["ja"], email=audience["ja"].email,
                                      language="ja")

        with django_capture_on_commit_callbacks(execute=True):
            send_notice_email.delay(dispatch.pk)

        assert sorted(m.to[0] for m in mail.outbox) == sorted([audience["en"].email, audience["admin"].email])
        dispatch.refresh_from_db()
        assert (dispatch.status, dispatch.sent_count) == (DispatchStatus.SENT, 3)

    def test_an_address_the_relay_refuses_is_recorded_on_its_delivery_and_counted_as_refused(
            self, occto_admin, operator_a, audience, settings, monkeypatch, django_capture_on_commit_callbacks):
        settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
        # deliveries go in user order: ja, en, admin; the relay refuses the first for good
        refused = smtplib.SMTPRecipientsRefused({audience["ja"].email: (550, b"5.1.1 No such user")})
        monkeypatch.setattr(FlakyBackend, "errors", [refused])
        notice = NoticeFactory(operators=[operator_a])
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin)

        with django_capture_on_commit_callbacks(execute=True):
            send_notice_email.delay(dispatch.pk)

        dispatch.refresh_from_db()
        assert (dispatch.recipient_count, dispatch.sent_count, dispatch.failed_count) == (3, 2, 1)
        assert sorted(m.to[0] for m in mail.outbox) == sorted([audience["en"].email, audience["admin"].email])
        failed = NoticeDelivery.objects.get(dispatch=dispatch, user=audience["ja"])
        assert "No such user" in failed.error
        assert NoticeDelivery.objects.filter(dispatch=dispatch, error="").count() == 2

    def test_a_notice_to_all_operators_reaches_every_operator(self, occto_admin, audience,
                                                              django_capture_on_commit_callbacks):
        notice = NoticeFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.notice_dispatch_request(actor=occto_admin, notice=notice)

        assert audience["b"].email in {m.to[0] for m in mail.outbox}
        assert len(mail.outbox) == 4
        assert AuditEntry.objects.get(action="notices.dispatch_requested").after["audience"] == 4

    def test_requesting_a_dispatch_queues_it_on_commit_and_sends(self, occto_admin, operator_a, audience,
                                                                 django_capture_on_commit_callbacks):
        notice = NoticeFactory(operators=[operator_a])

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            dispatch = services.notice_dispatch_request(actor=occto_admin, notice=notice)
        assert mail.outbox == []
        assert dispatch.status == DispatchStatus.QUEUED

        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
        assert len(mail.outbox) == 3

    def test_an_unpublished_notice_cannot_be_emailed(self, occto_admin, audience):
        scheduled = NoticeFactory(publish_from=timezone.now() + dt.timedelta(days=1))
        ended = NoticeFactory(publish_from=timezone.now() - dt.timedelta(days=2),
                              publish_until=timezone.now() - dt.timedelta(days=1))

        for notice in (scheduled, ended):
            with pytest.raises(services.NoticeError):
                services.notice_dispatch_request(actor=occto_admin, notice=notice)
        assert not NoticeDispatch.objects.exists()
        assert mail.outbox == []

    def test_a_second_request_while_one_is_in_flight_is_refused(self, occto_admin, operator_a, audience):
        notice = NoticeFactory(operators=[operator_a])
        NoticeDispatch.objects.create(notice=notice, requested_by=occto_admin)

        with pytest.raises(services.NoticeError):
            services.notice_dispatch_request(actor=occto_admin, notice=notice)

    def test_a_notice_whose_audience_has_no_active_users_is_not_emailed(self, occto_admin, operator_b, audience):
        audience["b"].is_active = False
        audience["b"].save()

        with pytest.raises(services.NoticeError):
            services.notice_dispatch_request(actor=occto_admin, notice=NoticeFactory(operators=[operator_b]))
        assert not NoticeDispatch.objects.exists()

    def test_a_reviewer_cannot_email_a_notice(self, reviewer, audience):
        with pytest.raises(services.NoticeError):
            services.notice_dispatch_request(actor=reviewer, notice=NoticeFactory())
        assert mail.outbox == []
