import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from capacity_market.models import AuditEntry
from notices.models import Notice, NoticeDispatch
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notices_notice_changelist")
ADD = reverse("admin:notices_notice_add")


def change_url(notice) -> str:
    return reverse("admin:notices_notice_change", args=[notice.pk])


def email_url(notice) -> str:
    return reverse("admin:notices_notice_email", args=[notice.pk])


def form_data(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "title": "システムメンテナンスのお知らせ",
        "body": "12月5日にメンテナンスを行います。",
        "category": "maintenance",
        "importance": "high",
        "publish_from_0": now.strftime("%Y-%m-%d"),
        "publish_from_1": now.strftime("%H:%M:%S"),
        "publish_until_0": "",
        "publish_until_1": "",
        "to_all_operators": "on",
        "dispatches-TOTAL_FORMS": "0",
        "dispatches-INITIAL_FORMS": "0",
        "dispatches-MIN_NUM_FORMS": "0",
        "dispatches-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestWhoMayDoWhat:
    @pytest.mark.parametrize("persona", ["admin_a", "user_a", "user_b"])
    def test_operator_users_have_no_admin_access(self, request, client_for, persona):
        notice = NoticeFactory(title="管理画面のお知らせ")
        client = client_for(request.getfixturevalue(persona))

        for url in (CHANGELIST, ADD, change_url(notice), email_url(notice)):
            response = client.get(url)
            assert response.status_code in (302, 403), url
            assert "管理画面のお知らせ" not in response.content.decode()

    def test_a_reviewer_may_view_but_not_add_change_or_email(self, client_for, reviewer):
        notice = NoticeFactory(title="閲覧のみ")
        client = client_for(reviewer)

        assert client.get(CHANGELIST).status_code == 200
        assert client.get(change_url(notice)).status_code == 200
        assert client.get(ADD).status_code == 403
        assert client.post(ADD, form_data()).status_code == 403
        assert client.post(change_url(notice), form_data(title="書き換え")).status_code == 403
        assert client.get(email_url(notice)).status_code == 403
        assert client.post(email_url(notice)).status_code == 403
        assert "email_to_audience" not in client.get(CHANGELIST).content.decode()
        notice.refresh_from_db()
        assert notice.title == "閲覧のみ"
        assert Notice.objects.count() == 1
        assert not NoticeDispatch.objects.exists()

    def test_a_reviewer_posting_the_email_action_sends_nothing(self, client_for, reviewer, user_a,
                                                              django_capture_on_commit_callbacks):
        notice = NoticeFactory()
        with django_capture_on_commit_callbacks(execute=True):
            client_for(reviewer).post(CHANGELIST, {"action": "email_to_audience", "_selected_action": [notice.pk],
                                                   "post": "yes"})

        assert not NoticeDispatch.objects.exists()
        assert mail.outbox == []

    def test_an_occto_admin_adds_a_notice_and_it_is_audited(self, client_for, occto_admin):
        response = client_for(occto_admin).post(ADD, form_data())

        assert response.status_code == 302
        notice = Notice.objects.get()
        assert notice.title == "システムメンテナンスのお知らせ"
        assert notice.created_by == occto_admin
        assert AuditEntry.objects.filter(action="notices.notice_created", actor_id=occto_admin.pk).count() == 1

    def test_an_occto_admin_addresses_chosen_operators(self, client_for, occto_admin, operator_a, operator_b):
        client_for(occto_admin).post(ADD, form_data(to_all_operators=None, operators=[operator_b.pk]))

        notice = Notice.objects.get()
        assert notice.to_all_operators is False
        assert list(notice.operators.all()) == [operator_b]

    @pytest.mark.parametrize(("overrides", "field"), [
        ({"to_all_operators": None}, "operators"),
        ({"publish_until_0": "2020-01-01", "publish_until_1": "00:00:00"}, "publish_until"),
        ({"title": ""}, "title"),
        ({"title": "長" * 5000}, "title"),
        ({"category": "nonsense"}, "category"),
        ({"publish_from_0": "not a date"}, "publish_from"),
        ({"operators": ["abc"], "to_all_operators": None}, "operators"),
    ])
    def test_bad_input_re_renders_with_errors_and_changes_nothing(self, client_for, occto_admin, overrides, field):
        response = client_for(occto_admin).post(ADD, form_data(**overrides))

        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
        assert not Notice.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="notices.").exists()

    def test_an_occto_admin_changes_and_deletes_a_notice_with_audit(self, client_for, occto_admin):
        notice = NoticeFactory(title="変更前")
        client = client_for(occto_admin)

        client.post(change_url(notice), form_data(title="変更後"))
        client.post(reverse("admin:notices_notice_delete", args=[notice.pk]), {"post": "yes"})

        assert not Notice.objects.exists()
        changed = AuditEntry.objects.get(action="notices.notice_changed")
        assert (changed.before["title"], changed.after["title"]) == ("変更前", "変更後")
        assert AuditEntry.objects.filter(action="notices.notice_deleted").count() == 1


class TestEmailFromTheAdmin:
    def test_the_action_asks_for_confirmation_then_queues_and_sends(self, client_for, occto_admin, operator_a,
                                                                    user_a, admin_a, user_b,
                                                                    django_capture_on_commit_callbacks):
        notice = NoticeFactory(title="配信するお知らせ", operators=[operator_a])
        client = client_for(occto_admin)
        selection = {"action": "email_to_audience", "_selected_action": [notice.pk]}

        confirm = client.post(CHANGELIST, selection)
        assert confirm.status_code == 200
        assert "配信するお知らせ" in confirm.content.decode()
        assert confirm.context["rows"][0]["audience_count"] == 2
        assert mail.outbox == []

        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(CHANGELIST, {**selection, "post": "yes"})

        assert done.status_code == 302
        assert sorted(m.to[0] for m in mail.outbox) == sorted([user_a.email, admin_a.email])
        dispatch = NoticeDispatch.objects.get()
        assert (dispatch.requested_by, dispatch.sent_count) == (occto_admin, 2)
        assert AuditEntry.objects.filter(action="notices.dispatch_requested", actor_id=occto_admin.pk).exists()

    def test_the_button_on_the_notice_confirms_then_sends_and_shows_the_earlier_dispatch(
        self, client_for, occto_admin, user_a, django_capture_on_commit_callbacks
    ):
        notice = NoticeFactory()
        client = client_for(occto_admin)
        assert email_url(notice) in client.get(change_url(notice)).content.decode()
        assert "未配信" in client.get(email_url(notice)).content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(email_url(notice))

        assert response.status_code == 302
        assert response["Location"] == change_url(notice)
        assert [m.to[0] for m in mail.outbox] == [user_a.email]
        assert "配信済みです" in client.get(email_url(notice)).content.decode()

    def test_emailing_an_unpublished_notice_is_refused_with_a_message(self, client_for, occto_admin, user_a,
                                                                      django_capture_on_commit_callbacks):
        notice = NoticeFactory(title="予定", publish_from=timezone.now() + dt.timedelta(days=1))

        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(occto_admin).post(email_url(notice), follow=True)

        assert "現在公開されていないため" in response.content.decode()
        assert not NoticeDispatch.objects.exists()
        assert mail.outbox == []

    @pytest.mark.parametrize("object_id", ["999999", "abc"])
    def test_emailing_a_missing_notice_redirects_without_error(self, client_for, occto_admin, object_id):
        response = client_for(occto_admin).get(f"/admin/notices/notice/{object_id}/email/")

        assert response.status_code == 302


class TestAdminList:
    @pytest.mark.parametrize(("state", "expected"), [("now", {"公開中"}), ("scheduled", {"予定"}),
                                                     ("ended", {"終了"})])
    def test_the_publication_filter(self, client_for, reviewer, state, expected):
        now = timezone.now()
        NoticeFactory(title="公開中")
        NoticeFactory(title="予定", publish_from=now + dt.timedelta(days=1))
        NoticeFactory(title="終了", publish_from=now - dt.timedelta(days=2), publish_until=now - dt.timedelta(days=1))

        response = client_for(reviewer).get(CHANGELIST, {"published": state})

        assert {n.title for n in response.context["cl"].result_list} == expected

    def test_the_changelist_runs_the_same_queries_for_one_and_fifty_notices(self, client_for, occto_admin,
                                                                            operator_a, operator_b):
        client = client_for(occto_admin)
        NoticeFactory(operators=[operator_a])
        client.get(CHANGELIST)
        with CaptureQueriesContext(connection) as one:
            assert client.get(CHANGELIST).status_code == 200
        for i in range(49):
            NoticeFactory(operators=[operator_a, operator_b]) if i % 2 else NoticeFactory()
        with CaptureQueriesContext(connection) as fifty:
            assert client.get(CHANGELIST).status_code == 200

        assert len(one.captured_queries) == len(fifty.captured_queries)

    def test_the_dispatch_record_list_runs_the_same_queries_for_one_and_fifty_dispatches(self, client_for,
                                                                                          reviewer, occto_admin):
        url = reverse("admin:notices_noticedispatch_changelist")
        client = client_for(reviewer)
        NoticeDispatch.objects.create(notice=NoticeFactory(), requested_by=occto_admin, status="sent")
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        for _ in range(49):
            NoticeDispatch.objects.create(notice=NoticeFactory(), requested_by=occto_admin, status="sent")
        with CaptureQueriesContext(connection) as fifty:
            response = client.get(url)

        assert len(response.context["cl"].result_list) == 50
        assert len(one.captured_queries) == len(fifty.captured_queries)
        assert client.get(reverse("admin:notices_noticedispatch_add")).status_code == 403
