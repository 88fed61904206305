"""The public use application (利用申請, terms 2.1): validation, terms acceptance, submission, receipt."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import TermsVersion
from capacity_market.models import ApplicationHistory, AuditEntry
from capacity_market.review import ApplicationKind, ReviewStatus
from registration.models import OperatorApplication
from tests import factories

from .conftest import use_application_data

URL = "/registration/apply/"


def test_the_use_application_url_is_public_and_named(client, db):
    assert reverse("registration:use_application") == URL
    response = client.get(URL)
    assert response.status_code == 200


def test_the_form_shows_the_current_terms_text_in_japanese_by_default(client, db):
    body = client.get(URL).content.decode()
    terms = TermsVersion.objects.get(version="3.2")
    assert terms.title == "容量市場システム利用規約"
    assert "容量市場システム利用規約" in body
    assert "利用申請" in body
    assert 'role="region"' in body
    assert "2024" in str(terms.effective_from.year)


def test_the_form_reads_in_english_with_the_language_switch(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    body = client.get(URL).content.decode()
    assert "Use application (registration of operator information)" in body


def test_a_valid_application_is_submitted_with_history_audit_and_receipt(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, use_application_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:use_application_done")
    application = OperatorApplication.objects.get()
    assert application.kind == ApplicationKind.NEW
    assert application.status == ReviewStatus.SUBMITTED
    assert application.operator is None
    assert application.submitted_by is None
    assert application.terms_version == TermsVersion.objects.get(version="3.2")
    assert application.terms_accepted_at is not None
    assert application.admin_login_id == "mirai-admin"
    assert application.licence_types == ["generation", "retail"]
    assert application.applicant_language == "ja"
    history = list(application.history())
    assert [(h.from_status, h.to_status) for h in history] == [("draft", "submitted")]
    assert AuditEntry.objects.filter(action="registration.operatorapplication.submitted",
                                     target_id=str(application.pk)).exists()
    assert AuditEntry.objects.filter(action="registration.use_application_created").exists()
    receipts = [m for m in mail.outbox if application.number in m.subject and "受け付けました" in m.subject]
    assert receipts and receipts[0].to == ["apply@mirai.example"]
    assert "mirai-admin" in receipts[0].body
    done = client.get(response["Location"]).content.decode()
    assert application.number in done


def test_half_width_kana_and_full_width_digits_are_normalised(client, db):
    client.post(URL, use_application_data(name_kana="ﾐﾗｲﾃﾞﾝﾘｮｸ", account_number="１２３４５６７",
                                          contact_phone="０３－１２３４－５６７８"))
    application = OperatorApplication.objects.get()
    assert application.name_kana == "ミライデンリョク"
    assert application.account_number == "1234567"
    assert application.contact_phone == "03-1234-5678"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "このフィールドは必須です"),
        ("name_kana", "みらいでんりょく", "カタカナで入力してください"),
        ("name_kana", "Mirai", "カタカナで入力してください"),
        ("account_holder_kana", "未来電力", "カタカナで入力してください"),
        ("admin_full_name_kana", "未来", "カタカナで入力してください"),
        ("account_number", "123456", "口座番号は7桁の数字で入力してください"),
        ("account_number", "12345678", "口座番号は7桁の数字で入力してください"),
        ("account_number", "12a4567", "口座番号は7桁の数字で入力してください"),
        ("contact_phone", "phone", "電話番号"),
        ("contact_phone", "03-12", "電話番号"),
        ("contact_email", "not-an-email", "有効なメールアドレス"),
        ("applicant_email", "x@", "有効なメールアドレス"),
        ("admin_login_id", "a b", None),
        ("admin_login_id", "ab", None),
        ("licence_types", None, "事業ライセンスを1つ以上選んでください"),
        ("licence_types", ["bogus"], "正しく選択してください"),
        ("account_type", "savings", "正しく選択してください"),
        ("is_electricity_supplier", None, "国内法人である電気供給事業者"),
        ("is_domestic_corporation", None, "国内法人である電気供給事業者"),
        ("name", "x" * 5000, "200 文字以下"),
        ("head_office_address", "x" * 100_000, "300 文字以下"),
    ],
)
def test_each_invalid_field_is_refused_with_a_message_and_nothing_is_created(client, db, field, value, message):
    response = client.post(URL, use_application_data(**{field: value}))
    assert response.status_code == 200
    body = response.content.decode()
    assert field in response.context["form"].errors
    if message is not None:
        assert message in body
    assert "以下のエラーを修正してください" in body
    assert OperatorApplication.objects.count() == 0
    assert ApplicationHistory.objects.count() == 0
    assert mail.outbox == []


def test_an_invalid_field_message_is_in_english_when_english_is_chosen(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    body = client.post(URL, use_application_data(account_number="12")).content.decode()
    assert "Enter the account number as exactly 7 digits." in body


def test_the_application_is_refused_when_the_terms_are_not_accepted(client, db):
    response = client.post(URL, use_application_data(accept_terms=None))
    assert response.status_code == 200
    assert "利用申請には利用規約への同意が必要です" in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_a_desired_login_id_of_an_existing_user_is_refused(client, db):
    factories.UserFactory(login_id="Mirai-Admin")
    response = client.post(URL, use_application_data(admin_login_id="mirai-admin"))
    assert "このログインIDは既に使われています" in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_a_desired_login_id_held_by_a_pending_application_is_refused(client, db):
    assert client.post(URL, use_application_data()).status_code == 302
    response = client.post(URL, use_application_data(applicant_email="other@mirai.example"))
    assert response.status_code == 200
    assert "このログインIDは既に使われています" in response.content.decode()
    assert OperatorApplication.objects.count() == 1


def test_too_many_applications_from_one_address_are_refused(client, db, settings):
    settings.USE_APPLICATION_RATE_LIMIT = 2
    for n in range(2):
        assert client.post(URL, use_application_data(admin_login_id=f"admin-{n}", code=f"M000{n}")).status_code == 302
    response = client.post(URL, use_application_data(admin_login_id="admin-3", code="M0003"))
    assert response.status_code == 200
    assert OperatorApplication.objects.count() == 2


def test_odd_input_never_breaks_the_page(client, db):
    response = client.post(URL, {"licence_types": ["x" * 10_000], "account_number": ["1", "2"], "zzz": "z"})
    assert response.status_code == 200
    assert not OperatorApplication.objects.exists()
    # A control character anywhere in the form is refused before the view: 400, nothing stored.
    assert client.post(URL, {"zzz": "\x00"}).status_code == 400
    assert client.post(URL, use_application_data(terms_version="3.2\x00")).status_code == 400
    assert not OperatorApplication.objects.exists()


def test_the_thank_you_page_without_an_application_leads_back_to_the_form(client, db):
    response = client.get(reverse("registration:use_application_done"))
    assert response.status_code == 302
    assert response["Location"] == URL


def test_the_use_application_is_closed_outside_the_service_window(client, db, time_machine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    time_machine.move_to(dt.datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")))  # a Saturday
    response = client.post(URL, use_application_data())
    assert response.status_code == 503
    assert not OperatorApplication.objects.exists()


# --- the terms version accepted is the one shown with the form -------------------------------------------------
REVISED = "利用規約は、フォームへの入力中に改定されました。以下の最新の利用規約を読み、改めて同意してください。"
UNKNOWN = "フォームとともに送信された利用規約の版を確認できません。以下の利用規約を読み、改めて同意してください。"


def _revise_terms(version: str = "3.3") -> TermsVersion:
    """A new version of the terms, in force from now on."""
    from django.utils import timezone

    return TermsVersion.objects.create(version=version, title="容量市場システム利用規約（改定）",
                                       body="第1条 改定後の条文", effective_from=timezone.now())


def test_the_form_carries_the_version_it_shows_and_the_application_records_it(client, db):
    body = client.get(URL).content.decode()
    assert '<input type="hidden" name="terms_version" value="3.2"' in body
    assert client.post(URL, use_application_data(terms_version="3.2")).status_code == 302
    assert OperatorApplication.objects.get().terms_version.version == "3.2"


def test_terms_revised_between_showing_and_sending_refuse_and_keep_the_entries(client, db):
    client.get(URL)
    _revise_terms()
    response = client.post(URL, use_application_data(terms_version="3.2", name="さくら電力株式会社"))
    assert response.status_code == 200
    assert not OperatorApplication.objects.exists()
    body = response.content.decode()
    form = response.context["form"]
    assert form.non_field_errors() == [REVISED]
    assert REVISED in body
    # The terms now in force are shown, unticked, and the form carries their version; the entries stay.
    assert response.context["terms"].version == "3.3" and "第1条 改定後の条文" in body
    assert '<input type="hidden" name="terms_version" value="3.3"' in body
    assert 'name="accept_terms"' in body and "checked" not in body.split('name="accept_terms"')[1].split(">")[0]
    assert 'value="さくら電力株式会社"' in body and 'value="mirai-admin"' in body
    assert 'value="apply@mirai.example"' in body
    # Accepting the revised terms then goes through and records them.
    response = client.post(URL, use_application_data(terms_version="3.3", name="さくら電力株式会社"))
    assert response.status_code == 302
    assert OperatorApplication.objects.get().terms_version.version == "3.3"


def test_terms_revised_between_the_form_check_and_the_service_are_refused_too(client, db, monkeypatch):
    old = TermsVersion.objects.get(version="3.2")
    new = _revise_terms()
    answers = iter([old])  # the view reads 3.2 when it checks the form; from then on 3.3 is in force
    monkeypatch.setattr(TermsVersion, "current", classmethod(lambda cls: next(answers, new)))
    response = client.post(URL, use_application_data(terms_version="3.2"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [REVISED]
    assert response.context["terms"] == new
    assert 'value="mirai-admin"' in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_the_service_refuses_a_version_that_is_not_in_force_and_stores_nothing(db):
    from capacity_market.models import AuditEntry as Audit
    from registration import services

    old = TermsVersion.objects.get(version="3.2")
    _revise_terms()
    values = {**use_application_data(), "licence_types": ["generation"], "is_electricity_supplier": True,
              "is_domestic_corporation": True}
    for version in (old, None):
        with pytest.raises(services.TermsRevised) as refused:
            services.submit_use_application(values=values, language="ja", terms_version=version)
        assert str(refused.value.message) == REVISED
    assert not OperatorApplication.objects.exists()
    assert not Audit.objects.filter(action="registration.use_application_created").exists()


@pytest.mark.parametrize("value", [None, "", "garbage", "3.1", "x" * 5000, "３.２", "' OR 1=1 --"])
def test_a_missing_or_garbage_terms_version_is_a_form_error_not_a_500(client, db, value):
    response = client.post(URL, use_application_data(terms_version=value))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [UNKNOWN]
    assert '<input type="hidden" name="terms_version" value="3.2"' in response.content.decode()
    assert not OperatorApplication.objects.exists()
    assert client.post(URL, use_application_data(terms_version="3.2")).status_code == 302


def test_an_older_version_that_exists_is_reported_as_revised(client, db):
    _revise_terms()
    response = client.post(URL, use_application_data(terms_version="3.2"))
    assert response.context["form"].non_field_errors() == [REVISED]
