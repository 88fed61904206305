"""factory-boy factories shared by every app's tests. Personas are built from these in conftest.py.

Resources, expected capacity and bids are made the one way the system makes them: through the services, by a user
of the operator and (for what needs a decision) an OCCTO reviewer, so their applications, history and audit
entries exist like real ones. Auctions have no service (OCCTO administrators add them in the admin); their factory
validates and saves the model as the admin form does.
"""

import contextlib
import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
import time_machine
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from capacity_market.roles import OCCTO_ADMIN_GROUP, OCCTO_REVIEWER_GROUP
from registration.models import AccountType, LicenceType, Operator, OperatorApplication, Resource

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


_operator_codes = itertools.count(1)


def operator_code() -> str:
    """A fresh, well-formed 事業者コード (5 capital letters or digits) for a use application."""
    return f"U{next(_operator_codes):04d}"


class OperatorFactory(OperatorInfoFactory):
    class Meta:
        model = Operator

    code = factory.Sequence(lambda n: f"T{n:04d}")


class OperatorApplicationFactory(OperatorInfoFactory):
    class Meta:
        model = OperatorApplication

    code = factory.LazyFunction(operator_code)
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


# --- auctions, resources, expected capacity and bids -----------------------------------------------------------------
JST = ZoneInfo("Asia/Tokyo")


def _jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


_grid_codes = itertools.count(1)


def grid_code() -> str:
    """A fresh, valid grid code (22 digits). The prefix 05 keeps clear of the codes the browser tests spell out."""
    return f"05{next(_grid_codes):020d}"


def unit(kw: int = 400, *, area: str = "tokyo", generation_type: str = "solar", code: str | None = None) -> dict:
    """The values of one member unit of an aggregated resource (`ResourceFactory(units=[...])`)."""
    return {"grid_code": code or grid_code(), "area": area, "generation_type": generation_type, "installed_kw": kw}


def _next_fiscal_year(kind: str) -> int:
    """A delivery year no auction of this kind has yet (one auction per kind and year), from 2031 on."""
    from auctions.models import Auction

    latest = Auction.objects.filter(kind=kind).aggregate(year=Max("delivery_fiscal_year"))["year"]
    return max(latest or 0, 2030) + 1


class AuctionFactory(factory.django.DjangoModelFactory):
    """An auction. No service creates auctions (OCCTO administrators add them in the admin, `AuctionAdmin`), so
    this validates the model (`full_clean`) and saves it, as the admin form does.

    By default a main auction whose registration window is open at the suite's clock (Wed 2026-11-25 10:00 JST),
    bids in January 2027, on the FY2025 demand curve. Traits: `bidding=True` — its bid window is open at the suite's
    clock and closes that day at 18:00:00 JST; `bids_closed=True` — its bid window closed the day before, 18:00 JST.
    Without `delivery_fiscal_year`, the next year no auction of its kind has (from 2031)."""

    class Meta:
        model = "auctions.Auction"

    class Params:
        bidding = factory.Trait(
            registration_opens_at=_jst(2026, 10, 1, 9, 0),
            expected_capacity_deadline=_jst(2026, 10, 20, 18, 0),
            registration_closes_at=_jst(2026, 10, 30, 18, 0),
            bid_opens_at=_jst(2026, 11, 18, 9, 0),
            bid_closes_at=_jst(2026, 11, 25, 18, 0),
            clearing_at=_jst(2026, 12, 1, 9, 0),
            publication_at=_jst(2026, 12, 16, 9, 0),
            contract_conclusion_at=_jst(2027, 1, 29, 9, 0),
        )
        bids_closed = factory.Trait(
            registration_opens_at=_jst(2026, 9, 1, 9, 0),
            expected_capacity_deadline=_jst(2026, 9, 20, 18, 0),
            registration_closes_at=_jst(2026, 9, 30, 18, 0),
            bid_opens_at=_jst(2026, 11, 16, 9, 0),
            bid_closes_at=_jst(2026, 11, 24, 18, 0),
            clearing_at=_jst(2026, 11, 26, 9, 0),
            publication_at=_jst(2026, 12, 16, 9, 0),
            contract_conclusion_at=_jst(2027, 1, 29, 9, 0),
        )

    kind = "main"
    delivery_fiscal_year = factory.LazyAttribute(lambda o: _next_fiscal_year(o.kind))
    name = "メインオークション（実需給2030年度）"
    registration_opens_at = _jst(2026, 11, 16, 9, 0)
    expected_capacity_deadline = _jst(2026, 12, 4, 18, 0)
    registration_closes_at = _jst(2026, 12, 11, 18, 0)
    bid_opens_at = _jst(2027, 1, 12, 9, 0)
    bid_closes_at = _jst(2027, 1, 20, 18, 0)
    clearing_at = _jst(2027, 2, 1, 9, 0)
    publication_at = _jst(2027, 2, 24, 9, 0)
    contract_conclusion_at = _jst(2027, 3, 31, 9, 0)
    net_cone = Decimal("10075")
    q_upper_kw = 188_813_656
    target_kw = 189_966_340
    q_zero_kw = 195_652_080
    dr_cap_kw = 6_000_000

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        auction = model_class(*args, **kwargs)
        auction.full_clean()
        auction.save()
        return auction


def _acting_user(operator) -> User:
    """Who applies for the operator when the test does not say: its first active user, else a new user of it."""
    return (User.objects.filter(operator=operator, is_active=True).order_by("pk").first()
            or OperatorUserFactory(operator=operator))


def _operator_admin(operator) -> User:
    return (User.objects.filter(operator=operator, operator_role=User.OperatorRole.ADMIN, is_active=True).first()
            or OperatorAdminFactory(operator=operator))


def _factory_reviewer() -> User:
    """The OCCTO reviewer who decides what the factories apply for when the test does not name one."""
    return User.objects.filter(login_id="factory-reviewer").first() or ReviewerFactory(login_id="factory-reviewer")


def _at_an_accepting_instant(accepts: Callable[[dt.datetime], bool], start: dt.datetime, end: dt.datetime):
    """A clock at which `accepts(now)` holds: now if it does (nothing moves), else the first whole hour from
    `start`, before `end`, that does. Windows that are past or ahead at the suite's instant are applied in while
    they were open, as an operator would have; the suite's clock comes back afterwards."""
    if accepts(timezone.now()):
        return contextlib.nullcontext()
    instant = start
    while instant < end:
        if accepts(instant):
            return time_machine.travel(instant, tick=False)
        instant = instant.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    raise ValueError(f"nothing is accepted between {start} and {end}")


def _service_window_open(now: dt.datetime) -> bool:
    from capacity_market import service_window

    return not service_window.enforced() or service_window.is_open(now)


class ResourceFactory(factory.django.DjangoModelFactory):
    """An approved resource (電源等), registered as the system registers one: a user of its operator submits a
    new-resource application (`registration.services`) and an OCCTO reviewer approves it, so the application, its
    history and the audit entries exist. A stable LNG unit of 150,000 kW in Tokyo unless overridden.

    `units`: the member units of an aggregated resource. `submitted_by`, `reviewer`: who acted (default: the
    operator's first active user, else a new one; a shared factory reviewer). `is_active=False`: also deleted
    through an approved deletion application of its operator's administrator.

    `build()`/`build_batch()` give unsaved rows with the same values, for the one test that needs thousands of
    master rows (a page-size check) and saves them with `bulk_create`; every other test creates."""

    class Meta:
        model = Resource

    operator = factory.SubFactory(OperatorFactory)
    grid_code = factory.LazyFunction(grid_code)
    name = "みらい火力1号機"
    area = "tokyo"
    category = "stable"
    generation_type = "lng"
    installed_kw = 150_000
    commissioning_date = dt.date(2005, 4, 1)
    can_adjust_output = True
    fit_status = "none"
    support_end_date = None
    continuous_output_hours = None
    owner_name = ""
    units = ()
    submitted_by = None
    reviewer = None
    is_active = True

    @classmethod
    def _build(cls, model_class, *args, units=(), submitted_by=None, reviewer=None, **values):
        return model_class(*args, **values)

    @classmethod
    def _create(cls, model_class, *args, operator, units=(), submitted_by=None, reviewer=None, is_active=True,
                **values):
        from registration import services

        submitted_by = submitted_by or _acting_user(operator)
        reviewer = reviewer or _factory_reviewer()
        now = timezone.now()
        with _at_an_accepting_instant(_service_window_open, now, now + dt.timedelta(days=14)):
            application = services.submit_new_resource_application(operator=operator, actor=submitted_by,
                                                                   values=values, units=list(units))
            services.approve_resource_application(application=application, actor=reviewer,
                                                  expected_version=application.version)
            application.refresh_from_db()
            resource = application.resource
            if not is_active:
                deletion = services.submit_resource_deletion_application(resource=resource,
                                                                         actor=_operator_admin(operator))
                services.approve_resource_application(application=deletion, actor=reviewer,
                                                      expected_version=deletion.version)
                resource.refresh_from_db()
        return resource


def _expected_kw(resource) -> int | None:
    from auctions.models import is_variable

    return None if is_variable(resource.category) else resource.installed_kw


class ExpectedCapacityApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted expected-capacity application (期待容量), made through `auctions.qualification.services` by a user of the
    resource's operator within the auction's expected-capacity window. When the suite's instant is outside that
    window, the application is made at the window's first open hour (the clock comes back afterwards).

    `expected_kw`: the kW applied for (default: the installed capacity; ignored for variable resources, whose
    value the service computes from the auction's adjustment factors)."""

    class Meta:
        model = "auctions.ExpectedCapacityApplication"

    auction = factory.SubFactory(AuctionFactory)
    resource = factory.SubFactory(ResourceFactory)
    expected_kw = factory.LazyAttribute(lambda o: _expected_kw(o.resource))
    submitted_by = None
    applicant_comment = ""

    @classmethod
    def _create(cls, model_class, *args, auction, resource, expected_kw, submitted_by=None, applicant_comment=""):
        from auctions.qualification import services
        from auctions.schedule import phases

        submitted_by = submitted_by or _acting_user(resource.operator)
        accepting = _at_an_accepting_instant(lambda now: phases.phase_state(auction, now).expected_capacity_open,
                                             auction.registration_opens_at, auction.expected_capacity_deadline)
        with accepting:
            return services.submit_expected_capacity_application(
                auction=auction, resource=resource, actor=submitted_by, expected_kw=expected_kw,
                applicant_comment=applicant_comment)


class ExpectedCapacityFactory(factory.django.DjangoModelFactory):
    """A resource's approved expected capacity in an auction (its participation qualification, 参加資格): an
    `ExpectedCapacityApplicationFactory` application approved by an OCCTO reviewer (`auctions.qualification.services`)."""

    class Meta:
        model = "auctions.ExpectedCapacity"

    auction = factory.SubFactory(AuctionFactory)
    resource = factory.SubFactory(ResourceFactory)
    expected_kw = factory.LazyAttribute(lambda o: _expected_kw(o.resource))
    submitted_by = None
    reviewer = None

    @classmethod
    def _create(cls, model_class, *args, auction, resource, expected_kw, submitted_by=None, reviewer=None):
        from auctions.qualification import services

        application = ExpectedCapacityApplicationFactory(auction=auction, resource=resource, expected_kw=expected_kw,
                                                         submitted_by=submitted_by)
        services.approve_expected_capacity_application(application=application, actor=reviewer or _factory_reviewer(),
                                                       expected_version=application.version)
        return model_class.objects.get(auction=auction, resource=resource)


class BidFactory(factory.django.DjangoModelFactory):
    """A bid (応札), submitted through `auctions.bidding.services.submit_bids` by a user of the resource's operator inside the
    auction's bid window (at the window's first open hour when the suite's instant is outside it; the clock comes
    back afterwards), so its receipt, first version and audit entry exist.

    A resource without an approved expected capacity in the auction is qualified first (`ExpectedCapacityFactory`,
    for the quantity but at least the auction's threshold; variable resources get what the auction's adjustment
    factors give).
    `status="withdrawn"`: then withdrawn through `bidding.withdraw_bid`."""

    class Meta:
        model = "auctions.Bid"

    auction = factory.SubFactory(AuctionFactory, bidding=True)
    submitted_by = None
    resource = factory.SubFactory(
        ResourceFactory,
        operator=factory.LazyAttribute(lambda r: r.factory_parent.submitted_by.operator
                                       if r.factory_parent.submitted_by is not None else OperatorFactory()))
    quantity_kw = 10_000
    price_yen = 1_000
    status = "active"

    @classmethod
    def _create(cls, model_class, *args, auction, resource, quantity_kw, price_yen, submitted_by=None,
                status="active"):
        from auctions.bidding import services as bidding
        from auctions.models import ExpectedCapacity, is_variable

        submitted_by = submitted_by or _acting_user(resource.operator)
        if not ExpectedCapacity.objects.filter(auction=auction, resource=resource).exists():
            ExpectedCapacityFactory(auction=auction, resource=resource, submitted_by=submitted_by,
                                    expected_kw=None if is_variable(resource.category)
                                    else max(quantity_kw, auction.threshold_kw))
        stored = type(auction).objects.get(pk=auction.pk)  # the test's instance may be stale (OCCTO's close)
        accepting = _at_an_accepting_instant(lambda now: bidding.window_refusal(stored, now) is None,
                                             stored.bid_opens_at, stored.bid_closes_at)
        with accepting:
            bidding.submit_bids(auction=auction, actor=submitted_by,
                                entries=[(resource.pk, quantity_kw, price_yen, None)], idempotency_key=uuid.uuid4())
            bid = model_class.objects.get(auction=auction, resource=resource)
            if status == "withdrawn":
                bidding.withdraw_bid(bid=bid, actor=submitted_by, expected_version=bid.version,
                                     idempotency_key=uuid.uuid4())
        return bid
