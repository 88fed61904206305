"""factory-boy factories shared by every app's tests. Personas are built from these in conftest.py."""

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from capacity_market.roles import OCCTO_ADMIN_GROUP, OCCTO_REVIEWER_GROUP
from registration.models import AccountType, LicenceType, Operator, OperatorApplication

PASSWORD = "Kaede-Sakura-2029!"


class OperatorInfoFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    name = factory.Sequence(lambda n: f"テスト電力{n}株式会社")
    name_kana = factory.Sequence(lambda n: f"テストデンリョク{n}カブシキガイシャ")
    head_office_address = "東京都港区六本木1-1-1"
    representative = "代表 太郎"
    licence_types = factory.LazyFunction(lambda: [LicenceType.GENERATION])
    is_electricity_supplier = True
    is_domestic_corporation = True
    contact_name = "連絡 花子"
    contact_email = factory.Sequence(lambda n: f"contact{n}@operator.example")
    contact_phone = "03-1234-5678"
    bank_name = "みらい銀行"
    bank_branch = "本店"
    account_type = AccountType.ORDINARY
    account_number = "1234567"
    account_holder_kana = "テストデンリョク"


class OperatorFactory(OperatorInfoFactory):
    class Meta:
        model = Operator

    code = factory.Sequence(lambda n: f"T{n:05d}")


class OperatorApplicationFactory(OperatorInfoFactory):
    class Meta:
        model = OperatorApplication

    applicant_email = factory.Sequence(lambda n: f"applicant{n}@operator.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    login_id = factory.Sequence(lambda n: f"user{n:04d}")
    full_name = factory.Sequence(lambda n: f"利用者 {n}")
    full_name_kana = "リヨウシャ"
    email = factory.LazyAttribute(lambda u: f"{u.login_id}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OperatorUserFactory(UserFactory):
    operator = factory.SubFactory(OperatorFactory)
    operator_role = User.OperatorRole.USER


class OperatorAdminFactory(OperatorUserFactory):
    operator_role = User.OperatorRole.ADMIN


class ReviewerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def in_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=OCCTO_REVIEWER_GROUP)[0])


class OcctoAdminFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def in_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=OCCTO_ADMIN_GROUP)[0])


def _an_hour_ago():
    import datetime as dt

    from django.utils import timezone

    return timezone.now() - dt.timedelta(hours=1)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A notice published an hour ago to all operators. Pass `operators=[...]` to address chosen operators."""

    class Meta:
        model = "notices.Notice"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"お知らせ {n}")
    body = "容量市場システムからのお知らせです。"
    category = "system"
    importance = "normal"
    publish_from = factory.LazyFunction(_an_hour_ago)
    to_all_operators = True

    @factory.post_generation
    def operators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.to_all_operators = False
            obj.save(update_fields=["to_all_operators"])
            obj.operators.set(extracted)
