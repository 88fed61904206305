import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notices import selectors, services
from tests.factories import NoticeFactory, OperatorUserFactory

pytestmark = pytest.mark.django_db


def titles(queryset):
    return [n.title for n in queryset]


class TestAudienceScoping:
    def test_an_operator_user_sees_notices_to_all_operators_and_to_their_own_operator(
        self, user_a, operator_a, operator_b
    ):
        NoticeFactory(title="all")
        NoticeFactory(title="for A", operators=[operator_a])
        NoticeFactory(title="for A and B", operators=[operator_a, operator_b])
        NoticeFactory(title="for B", operators=[operator_b])

        assert sorted(titles(selectors.notices_for_user(user=user_a))) == ["all", "for A", "for A and B"]

    def test_a_notice_to_several_operators_appears_once(self, user_a, operator_a, operator_b):
        NoticeFactory(title="shared", operators=[operator_a, operator_b])

        assert titles(selectors.notices_for_user(user=user_a)) == ["shared"]

    def test_occto_staff_see_every_published_notice(self, reviewer, occto_admin, operator_a, operator_b):
        NoticeFactory(title="all")
        NoticeFactory(title="for B", operators=[operator_b])

        assert sorted(titles(selectors.notices_for_user(user=reviewer))) == ["all", "for B"]
        assert sorted(titles(selectors.notices_for_user(user=occto_admin))) == ["all", "for B"]

    def test_an_inactive_operator_user_sees_nothing(self, operator_a):
        user = OperatorUserFactory(operator=operator_a, is_active=False)
        NoticeFactory(title="all")

        assert titles(selectors.notices_for_user(user=user)) == []

    def test_another_operators_notice_is_not_found_exactly_like_a_missing_one(self, user_a, operator_b):
        only_b = NoticeFactory(operators=[operator_b])

        with pytest.raises(Http404):
            selectors.notice_get_for_user(user=user_a, pk=only_b.pk)
        with pytest.raises(Http404):
            selectors.notice_get_for_user(user=user_a, pk=only_b.pk + 1000)
        with pytest.raises(Http404):
            selectors.notice_get_for_user(user=user_a, pk="abc")


class TestPublicationWindow:
    def test_only_notices_whose_window_contains_now_are_shown(self, user_a):
        now = timezone.now()
        NoticeFactory(title="open-ended", publish_from=now - dt.timedelta(days=1))
        NoticeFactory(title="until tomorrow", publish_from=now - dt.timedelta(days=1),
                      publish_until=now + dt.timedelta(days=1))
        NoticeFactory(title="scheduled", publish_from=now + dt.timedelta(minutes=1))
        NoticeFactory(title="ended", publish_from=now - dt.timedelta(days=2), publish_until=now - dt.timedelta(days=1))

        assert sorted(titles(selectors.notices_for_user(user=user_a))) == ["open-ended", "until tomorrow"]

    def test_a_scheduled_notice_cannot_be_opened_even_by_staff(self, occto_admin):
        scheduled = NoticeFactory(publish_from=timezone.now() + dt.timedelta(hours=1))

        with pytest.raises(Http404):
            selectors.notice_get_for_user(user=occto_admin, pk=scheduled.pk)

    def test_notices_come_newest_first(self, user_a):
        now = timezone.now()
        NoticeFactory(title="old", publish_from=now - dt.timedelta(days=3))
        NoticeFactory(title="new", publish_from=now - dt.timedelta(minutes=5))
        NoticeFactory(title="middle", publish_from=now - dt.timedelta(days=1))

        assert titles(selectors.notices_for_user(user=user_a)) == ["new", "middle", "old"]


class TestUnreadMark:
    def test_a_notice_is_unread_until_the_user_opens_it_and_only_for_that_user(self, user_a, admin_a):
        notice = NoticeFactory()
        services.notice_mark_read(user=user_a, notice=notice)

        assert selectors.notices_for_user(user=user_a).get().is_read is True
        assert selectors.notices_for_user(user=admin_a).get().is_read is False
        assert selectors.unread_count_for_user(user=user_a) == 0
        assert selectors.unread_count_for_user(user=admin_a) == 1

    def test_listing_takes_one_query_whatever_the_number_of_notices(self, user_a, operator_a):
        NoticeFactory(operators=[operator_a])
        with CaptureQueriesContext(connection) as one:
            list(selectors.notices_for_user(user=user_a))
        for i in range(30):
            notice = NoticeFactory(operators=[operator_a]) if i % 2 else NoticeFactory()
            if i % 3 == 0:
                services.notice_mark_read(user=user_a, notice=notice)
        with CaptureQueriesContext(connection) as many:
            assert len(list(selectors.notices_for_user(user=user_a))) == 31

        assert len(one.captured_queries) == len(many.captured_queries)


class TestAudienceUsers:
    def test_the_audience_is_the_active_users_of_the_audience_operators(self, operator_a, operator_b, user_a,
                                                                          admin_a, user_b, occto_admin):
        OperatorUserFactory(operator=operator_a, is_active=False)
        to_a = NoticeFactory(operators=[operator_a])
        to_all = NoticeFactory()

        assert set(selectors.audience_users(notice=to_a)) == {user_a, admin_a}
        assert set(selectors.audience_users(notice=to_all)) == {user_a, admin_a, user_b}
