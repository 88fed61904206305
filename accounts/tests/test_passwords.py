"""Password rules (利用規約 3.5), the history of the last 5, the forced change and the voluntary change."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import PasswordHistory
from capacity_market.models import AuditEntry
from tests.factories import PASSWORD, OperatorUserFactory

pytestmark = pytest.mark.django_db

GOOD = ["Hinoki-Kawa-4821", "Sugi-Nagare-9134", "Matsu-Kumo-2276", "Ume-Hoshi-7703x", "Kiri-Umi-55819",
        "Tsuge-Sora-3317", "Nara-Kaze-60442"]


def codes(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


def set_each(user, passwords, via="voluntary"):
    for p in passwords:
        services.set_password(user=user, password=p, via=via)
        user.refresh_from_db()


def test_twelve_characters_are_enough_and_eleven_are_not(user_a):
    assert "password_too_short" in codes("Aoi-Kaze-58", user_a)
    assert codes("aoikazenoumi", user_a) == set()  # no composition rules: lower-case letters only are fine


def test_an_all_digit_password_is_allowed_because_there_are_no_composition_rules(user_a):
    assert codes("739164028571", user_a) == set()


def test_a_common_password_is_refused(user_a):
    assert "password_too_common" in codes("password1234", user_a)


def test_a_password_like_the_login_id_is_refused(operator_a):
    user = OperatorUserFactory(operator=operator_a, login_id="yamada-taro-01")
    assert "password_too_similar" in codes("yamada-taro-01x", user)


def test_a_password_like_the_name_is_refused(operator_a):
    user = OperatorUserFactory(operator=operator_a, login_id="u-1234", full_name="Suzuki Hanako Tokyo")
    assert "password_too_similar" in codes("SuzukiHanakoTokyo", user)


@pytest.mark.parametrize("password", ["user-a-user-a", "usera12345678", "X9-USER-A-77kq", "利用者4利用者4利用者4",
                                      "ｒｉｙｏｕ太郎さんのパスワード", "taro.example.mail.9"])
def test_a_password_containing_the_login_id_email_name_or_a_name_part_is_refused(operator_a, password):
    user = OperatorUserFactory(operator=operator_a, login_id="user-a", full_name="利用者 太郎",
                               full_name_kana="リヨウシャ タロウ", email="taro.example@mirai.example")
    assert "password_contains_personal_data" in codes(password, user)


def test_short_ascii_name_parts_do_not_refuse_everyday_words(operator_a):
    user = OperatorUserFactory(operator=operator_a, login_id="u-1234", full_name="Li Na",
                               full_name_kana="リ ナ", email="ln@mirai.example")
    assert codes("Nami-Lime-Garden-31", user) == set()  # "li" and "na" alone are too short to count


def test_the_current_password_is_refused(user_a):
    assert "password_reused" in codes(PASSWORD, user_a)


def test_each_of_the_last_five_is_refused_and_the_sixth_oldest_is_allowed(user_a):
    set_each(user_a, GOOD[:6])  # history, oldest first: PASSWORD, GOOD[0] … GOOD[5]
    for recent in GOOD[1:6]:
        assert "password_reused" in codes(recent, user_a), recent
    assert "password_reused" not in codes(GOOD[0], user_a)
    assert codes(PASSWORD, user_a) == set()
    assert PasswordHistory.objects.filter(user=user_a).count() == 5


def test_history_is_recorded_by_the_set_password_link(client, admin_a, user_a):
    services.reissue_password(actor=admin_a, user=user_a)
    user_a.refresh_from_db()
    before = PasswordHistory.objects.filter(user=user_a).count()
    url = services.set_password_url(user_a)
    response = client.get(url, follow=True)
    client.post(response.redirect_chain[-1][0], {"new_password1": GOOD[0], "new_password2": GOOD[0]})
    assert PasswordHistory.objects.filter(user=user_a).count() == before + 1
    user_a.refresh_from_db()
    assert "password_reused" in codes(GOOD[0], user_a)


def test_history_is_recorded_by_the_forced_and_the_voluntary_change(client_for, user_a):
    user_a.must_change_password = True
    user_a.save(update_fields=["must_change_password"])
    client = client_for(user_a)
    response = client.post(reverse("accounts:password_change_required"),
                           {"old_password": PASSWORD, "new_password1": GOOD[0], "new_password2": GOOD[0]})
    assert response.status_code == 302
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": GOOD[0], "new_password1": GOOD[1], "new_password2": GOOD[1]})
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert user_a.check_password(GOOD[1])
    for used in (PASSWORD, GOOD[0], GOOD[1]):
        assert "password_reused" in codes(used, user_a)
    vias = list(AuditEntry.objects.filter(action="accounts.password_set", target_id=str(user_a.pk))
                .order_by("id").values_list("after__via", flat=True))
    assert vias == ["forced", "voluntary"]


def test_the_change_page_refuses_a_reused_password_and_changes_nothing(client_for, user_a):
    services.set_password(user=user_a, password=GOOD[0], via="voluntary")
    services.set_password(user=user_a, password=GOOD[1], via="voluntary")
    client = client_for(user_a)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": GOOD[1], "new_password1": GOOD[0], "new_password2": GOOD[0]})
    assert response.status_code == 200
    assert 'aria-describedby="id_new_password2_error"' in response.content.decode() or \
        'id="id_new_password2_error"' in response.content.decode()
    user_a.refresh_from_db()
    assert user_a.check_password(GOOD[1])


def test_the_change_page_refuses_a_wrong_current_password(client_for, user_a):
    response = client_for(user_a).post(reverse("accounts:password_change"),
                                       {"old_password": "wrong-wrong-wrong", "new_password1": GOOD[0],
                                        "new_password2": GOOD[0]})
    assert response.status_code == 200
    user_a.refresh_from_db()
    assert user_a.check_password(PASSWORD)


def test_first_log_in_after_issue_forces_a_new_password(client, log_in, user_a):
    user_a.must_change_password = True
    user_a.save(update_fields=["must_change_password"])
    assert log_in("user-a", PASSWORD).status_code == 302
    forced = reverse("accounts:password_change_required")
    for url in (reverse("home"), reverse("accounts:password_change"), "/notices/", "/registration/operator/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == forced, url
    assert client.get(forced).status_code == 200
    response = client.post(forced, {"old_password": PASSWORD, "new_password1": GOOD[0], "new_password2": GOOD[0]})
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert not user_a.must_change_password
    assert "_auth_user_id" in client.session  # still logged in after the change
    assert client.get(reverse("accounts:password_change")).status_code == 200


def test_the_forced_page_sends_users_who_need_no_change_home(client_for, user_a):
    response = client_for(user_a).get(reverse("accounts:password_change_required"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_password_pages_need_a_log_in(client):
    for name in ("accounts:password_change", "accounts:password_change_required"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
