import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notices.models import NoticeRead
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db

HOME = reverse("home")
LIST = reverse("notices:list")


def detail(notice) -> str:
    return reverse("notices:detail", kwargs={"pk": notice.pk})


@pytest.fixture
def notices(operator_a, operator_b):
    return {
        "all": NoticeFactory(title="全事業者向けのお知らせ"),
        "a": NoticeFactory(title="A社向けのお知らせ", operators=[operator_a]),
        "b": NoticeFactory(title="B社向けのお知らせ", operators=[operator_b]),
    }


class TestAnonymous:
    @pytest.mark.parametrize("url", [HOME, LIST, "/notices/1/"])
    def test_an_anonymous_visitor_is_sent_to_log_in(self, client, url):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


class TestOperatorUsers:
    def test_user_a_sees_their_operators_and_all_operator_notices_but_not_bs(self, client_for, user_a, notices):
        body = client_for(user_a).get(LIST).content.decode()

        assert "全事業者向けのお知らせ" in body
        assert "A社向けのお知らせ" in body
        assert "B社向けのお知らせ" not in body

    def test_user_a_gets_404_for_a_notice_only_for_b(self, client_for, user_a, admin_a, notices):
        assert client_for(user_a).get(detail(notices["b"])).status_code == 404
        assert client_for(admin_a).get(detail(notices["b"])).status_code == 404

    def test_user_b_reads_bs_notice(self, client_for, user_b, notices):
        response = client_for(user_b).get(detail(notices["b"]))

        assert response.status_code == 200
        assert "B社向けのお知らせ" in response.content.decode()

    def test_a_missing_or_unpublished_notice_answers_404(self, client_for, user_a):
        scheduled = NoticeFactory(publish_from=timezone.now() + dt.timedelta(days=1))
        client = client_for(user_a)

        assert client.get(detail(scheduled)).status_code == 404
        assert client.get("/notices/999999/").status_code == 404
        assert client.get("/notices/99999999999999999999999/").status_code == 404
        assert client.get("/notices/abc/").status_code == 404

    def test_opening_a_notice_marks_it_read_once(self, client_for, user_a, notices):
        client = client_for(user_a)
        notice = notices["a"]
        assert "未読" in client.get(LIST).content.decode()

        assert client.get(detail(notice)).status_code == 200
        first = NoticeRead.objects.get(user=user_a, notice=notice).read_at
        assert client.get(detail(notice)).status_code == 200

        assert NoticeRead.objects.filter(user=user_a, notice=notice).count() == 1
        assert NoticeRead.objects.get(user=user_a, notice=notice).read_at == first

    def test_the_unread_mark_is_text_and_disappears_once_read(self, client_for, user_a, operator_a):
        notice = NoticeFactory(title="ひとつだけ", operators=[operator_a])
        client = client_for(user_a)
        assert "未読" in client.get(LIST).content.decode()

        client.get(detail(notice))

        body = client.get(LIST).content.decode()
        assert "未読" not in body
        assert "既読" in body

    def test_the_list_is_newest_first(self, client_for, user_a):
        now = timezone.now()
        NoticeFactory(title="古いお知らせ", publish_from=now - dt.timedelta(days=2))
        NoticeFactory(title="新しいお知らせ", publish_from=now - dt.timedelta(minutes=1))

        body = client_for(user_a).get(LIST).content.decode()

        assert body.index("新しいお知らせ") < body.index("古いお知らせ")

    def test_the_home_page_shows_the_latest_five_notices_with_links(self, client_for, user_a):
        now = timezone.now()
        for i in range(7):
            NoticeFactory(title=f"お知らせ第{i}号", publish_from=now - dt.timedelta(hours=10 - i))

        response = client_for(user_a).get(HOME)
        body = response.content.decode()

        assert response.status_code == 200
        assert [f"お知らせ第{i}号" in body for i in range(7)] == [False, False, True, True, True, True, True]
        assert "未読のお知らせが7件あります" in body
        assert LIST in body
        assert reverse("registration:operator_detail") in body
        assert reverse("admin:index") not in body

    def test_the_detail_shows_the_body_escaped_with_line_breaks(self, client_for, user_a):
        notice = NoticeFactory(body="一行目\n<script>alert(1)</script>")

        body = client_for(user_a).get(detail(notice)).content.decode()

        assert "一行目<br>" in body
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;" in body


class TestOcctoStaff:
    @pytest.mark.parametrize("persona", ["reviewer", "occto_admin"])
    def test_staff_see_every_published_notice_and_a_link_to_the_admin(self, request, client_for, persona, notices):
        client = client_for(request.getfixturevalue(persona))

        home = client.get(HOME).content.decode()
        listing = client.get(LIST).content.decode()

        assert reverse("admin:index") in home
        for title in ("全事業者向けのお知らせ", "A社向けのお知らせ", "B社向けのお知らせ"):
            assert title in listing
        assert client.get(detail(notices["b"])).status_code == 200


class TestLanguage:
    def test_pages_are_japanese_by_default_and_english_when_chosen(self, client_for, user_a, notices):
        client = client_for(user_a)
        client.get(detail(notices["all"]))
        japanese = client.get(LIST).content.decode()
        assert "お知らせ" in japanese and "未読" in japanese

        client.post(reverse("set_language"), {"language": "en", "next": LIST})
        english = client.get(LIST).content.decode()

        assert "Unread" in english
        assert "Notices" in english
        assert '<html lang="en">' in english
        assert "You have 1 unread notice." in client.get(HOME).content.decode()


class TestPagination:
    @pytest.fixture
    def many(self, user_a):
        now = timezone.now()
        return [NoticeFactory(title=f"N{i:03d}", publish_from=now - dt.timedelta(minutes=i + 1)) for i in range(45)]

    def test_the_list_has_twenty_per_page(self, client_for, user_a, many):
        client = client_for(user_a)

        first = client.get(LIST)
        third = client.get(LIST, {"page": 3})

        assert len(first.context["notices"]) == 20
        assert first.context["notices"][0].title == "N000"
        assert [n.title for n in third.context["notices"]] == [f"N{i:03d}" for i in range(40, 45)]
        assert "?page=2" in first.content.decode()

    @pytest.mark.parametrize(("page", "expected_number"), [
        ("abc", 1), ("", 1), ("0", 3), ("-1", 3), ("9999", 3), ("1.5", 1), ("9" * 400, 3), ("last", 1),
    ])
    def test_odd_page_numbers_show_a_page_instead_of_an_error(self, client_for, user_a, many, page,
                                                              expected_number):
        response = client_for(user_a).get(LIST, {"page": page})

        assert response.status_code == 200
        assert response.context["page"].number == expected_number

    def test_an_empty_list_says_so(self, client_for, user_a):
        response = client_for(user_a).get(LIST, {"page": "7"})

        assert response.status_code == 200
        assert "現在お知らせはありません" in response.content.decode()


class TestQueryCounts:
    @pytest.mark.parametrize("url", [HOME, LIST])
    def test_home_and_list_run_the_same_queries_for_one_and_fifty_notices(self, client_for, user_a, operator_a,
                                                                           operator_b, url):
        client = client_for(user_a)
        NoticeFactory(operators=[operator_a])
        client.get(url)  # warm the session and the user's group cache paths
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        for i in range(49):
            notice = NoticeFactory(operators=[operator_a, operator_b]) if i % 2 else NoticeFactory()
            if i % 5 == 0:
                NoticeRead.objects.create(user=user_a, notice=notice)
        with CaptureQueriesContext(connection) as fifty:
            response = client.get(url)
            assert response.status_code == 200

        assert len(one.captured_queries) == len(fifty.captured_queries)
        if url == LIST:
            assert len(response.context["notices"]) == 20


class TestServiceWindow:
    @pytest.mark.parametrize("url", [HOME, LIST, "/notices/1/"])
    def test_notice_pages_are_closed_outside_the_service_window(self, client_for, user_a, time_machine, url):
        time_machine.move_to(dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))

        response = client_for(user_a).get(url)

        assert response.status_code == 503
        assert "Retry-After" in response
