"""Helpers of the registration tests: valid form data and applications made through the real services."""

import pytest
from django.core.cache import cache

from accounts.models import TermsVersion
from registration import services
from registration.models import OperatorApplication
from tests import factories


def use_application_data(**overrides) -> dict:
    data = {
        "code": "M1234",
        "name": "みらい電力株式会社",
        "name_kana": "ミライデンリョクカブシキガイシャ",
        "head_office_address": "東京都千代田区大手町1-1-1",
        "representative": "未来 太郎",
        "licence_types": ["generation", "retail"],
        "is_electricity_supplier": "on",
        "is_domestic_corporation": "on",
        "contact_name": "連絡 花子",
        "contact_email": "contact@mirai.example",
        "contact_phone": "03-1234-5678",
        "bank_name": "みらい銀行",
        "bank_branch": "本店",
        "account_type": "ordinary",
        "account_number": "1234567",
        "account_holder_kana": "ミライデンリョク(カ",
        "applicant_email": "apply@mirai.example",
        "admin_full_name": "未来 太郎",
        "admin_full_name_kana": "ミライ タロウ",
        "admin_login_id": "mirai-admin",
        "accept_terms": "on",
        "terms_version": "3.2",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def info_values(operator, **changes) -> dict:
    values = operator.info_values()
    values.update(changes)
    return values


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def use_application(db) -> OperatorApplication:
    """A submitted use application, made as an anonymous applicant through the service."""
    values = {
        **factories.OperatorApplicationFactory.build().info_values(),
        "code": factories.operator_code(),
        "applicant_email": "apply@mirai.example",
        "admin_login_id": "mirai-admin",
        "admin_full_name": "未来 太郎",
        "admin_full_name_kana": "ミライ タロウ",
    }
    return services.submit_use_application(values=values, language="ja", terms_version=TermsVersion.current())


@pytest.fixture
def change_application_a(operator_a, admin_a) -> OperatorApplication:
    """A submitted change application of operator A (by its admin) changing the contact phone and bank."""
    return services.submit_change_application(
        operator=operator_a, actor=admin_a,
        values=info_values(operator_a, contact_phone="06-9999-0000", bank_name="なにわ銀行"),
    )
