"""The login-ID rule, tested once here: an ID is held, ignoring case, by any user and by the administrator ID an open
use application asks for (accounts.selectors.login_id_taken). The pages that issue IDs test only that they ask it."""

import pytest
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import TermsVersion
from accounts.selectors import login_id_taken
from capacity_market import review
from capacity_market.errors import DomainError
from registration import services as registration_services
from tests import factories


def submit_use_application(admin_login_id: str):
    values = {
        **factories.OperatorApplicationFactory.build().info_values(),
        "code": factories.operator_code(),
        "applicant_email": "apply@mirai.example",
        "admin_login_id": admin_login_id,
        "admin_full_name": "未来 太郎",
        "admin_full_name_kana": "ミライ タロウ",
    }
    return registration_services.submit_use_application(values=values, language="ja",
                                                        terms_version=TermsVersion.current())


def test_a_users_login_id_is_taken_ignoring_case(db):
    factories.UserFactory(login_id="Tanaka01")
    assert login_id_taken("Tanaka01")
    assert login_id_taken("tanaka01")
    assert login_id_taken("TANAKA01")
    assert not login_id_taken("tanaka02")


def test_a_deleted_users_login_id_stays_taken(db):
    factories.UserFactory(login_id="gone-01", is_active=False)
    assert login_id_taken("GONE-01")


def test_the_admin_id_an_open_use_application_asks_for_is_taken_ignoring_case(db):
    submit_use_application("Mirai-Admin")
    assert login_id_taken("mirai-admin")


def test_a_returned_use_application_still_holds_its_admin_id(db, reviewer):
    application = submit_use_application("mirai-admin")
    registration_services.send_back_operator_application(application=application, actor=reviewer,
                                                         comment="口座番号を確認してください",
                                                         expected_version=application.version)
    assert login_id_taken("mirai-admin")


def test_a_rejected_use_application_releases_its_admin_id(db, reviewer):
    application = submit_use_application("mirai-admin")
    review.reject(application=application, actor=reviewer, comment="対象外です", expected_version=application.version)
    assert not login_id_taken("mirai-admin")


def test_the_application_being_approved_does_not_hold_its_own_id_against_itself(db):
    application = submit_use_application("mirai-admin")
    assert not login_id_taken("mirai-admin", exclude_application=application)
    factories.UserFactory(login_id="MIRAI-ADMIN")
    assert login_id_taken("mirai-admin", exclude_application=application)


def test_the_database_refuses_two_users_whose_ids_differ_only_in_case(db):
    factories.UserFactory(login_id="sato-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory(login_id="SATO-01")


def test_issuing_a_user_id_refuses_an_id_an_open_use_application_asks_for(admin_a):
    submit_use_application("mirai-admin")
    with pytest.raises(DomainError):
        services.issue_user_id(actor=admin_a, operator=admin_a.operator, login_id="Mirai-Admin",
                               full_name="佐藤 一郎", full_name_kana="サトウ イチロウ", email="sato@example.jp")


def test_creating_an_occto_staff_id_refuses_a_taken_id(occto_admin, user_a):
    with pytest.raises(DomainError):
        services.create_occto_staff(actor=occto_admin, login_id="USER-A", full_name="審査 一郎",
                                    email="shinsa@example.jp", groups=[])
