"""Demo auctions, relative to today, all made through the real services:

* a main auction in its registration window, with its parameters and expected capacity for the demo operators'
  resources (one approved → qualified, one waiting for review);
* an additional auction in its bid window: the demo operators' resources are qualified and Tohoku has bid;
* an earlier main auction whose bids were closed, cleared (with a short block and a binding DR cap) and published,
  so the results pages and the chart have something to show.

The services accept expected capacity only in the registration window and bids only in the bid window, so the
last two auctions are first scheduled with that window open now and then moved to their real dates, the way OCCTO
edits an auction's dates in the admin.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from registration.choices import Area
from registration.models import Resource

from .bidding import services as bidding
from .clearing import services as clearing_service
from .models import (
    AdjustmentFactor,
    AreaDrCap,
    Auction,
    AuctionKind,
    ExpectedCapacityApplication,
    FixedSupplyItem,
    ShortBlock,
    TransitionalDeductionCoefficient,
)
from .qualification import services
from .schedule.phases import JST

# Adjustment factors (調整係数) of the demo: illustrative values, not OCCTO's (their tables are not public here).
SOLAR_FACTORS = {Area.HOKKAIDO: "0.0512", Area.TOHOKU: "0.0921", Area.TOKYO: "0.1103", Area.CHUBU: "0.1402",
                 Area.HOKURIKU: "0.0987", Area.KANSAI: "0.1254", Area.CHUGOKU: "0.1478", Area.SHIKOKU: "0.1521",
                 Area.KYUSHU: "0.1610"}
WIND_FACTORS = {Area.HOKKAIDO: "0.2210", Area.TOHOKU: "0.2034", Area.TOKYO: "0.1502", Area.CHUBU: "0.1233",
                Area.HOKURIKU: "0.1710", Area.KANSAI: "0.1120", Area.CHUGOKU: "0.1305", Area.SHIKOKU: "0.1190",
                Area.KYUSHU: "0.1421"}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=JST)


def _ensure_auction() -> Auction:
    today = timezone.localdate(timezone.now(), JST)
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    delivery = fiscal_year + 4
    auction = Auction.objects.filter(kind=AuctionKind.MAIN, delivery_fiscal_year=delivery).first()
    if auction is not None:
        return auction
    auction = Auction(
        kind=AuctionKind.MAIN, delivery_fiscal_year=delivery,
        name=f"メインオークション（実需給{delivery}年度）",
        registration_opens_at=_at(today - dt.timedelta(days=7), 9),
        expected_capacity_deadline=_at(today + dt.timedelta(days=14), 18),
        registration_closes_at=_at(today + dt.timedelta(days=21), 18),
        bid_opens_at=_at(today + dt.timedelta(days=35), 9),
        bid_closes_at=_at(today + dt.timedelta(days=42), 18),
        clearing_at=_at(today + dt.timedelta(days=49), 9),
        publication_at=_at(today + dt.timedelta(days=70), 9),
        contract_conclusion_at=_at(today + dt.timedelta(days=100), 9),
        net_cone=Decimal("10075"), q_upper_kw=188_813_656, target_kw=189_966_340, q_zero_kw=195_652_080,
        dr_cap_kw=6_000_000,
    )
    auction.full_clean()
    auction.save()
    FixedSupplyItem.objects.bulk_create([
        FixedSupplyItem(auction=auction, label="FIT電源の期待容量", kw=16_250_000),
        FixedSupplyItem(auction=auction, label="追加オークション調達見込量", kw=3_235_710),
        FixedSupplyItem(auction=auction, label="長期脱炭素電源オークション約定容量", kw=1_500_000),
    ])
    AdjustmentFactor.objects.bulk_create(
        [AdjustmentFactor(auction=auction, generation_type="solar", area=a, factor=Decimal(f))
         for a, f in SOLAR_FACTORS.items()]
        + [AdjustmentFactor(auction=auction, generation_type="wind", area=a, factor=Decimal(f))
           for a, f in WIND_FACTORS.items()]
    )
    TransitionalDeductionCoefficient.objects.bulk_create([
        TransitionalDeductionCoefficient(auction=auction, label="2010年度末以前に運転開始",
                                         commissioned_until=dt.date(2011, 3, 31), coefficient=Decimal("0.9")),
    ])
    return auction


def _ensure_expected_capacity(auction: Auction) -> None:
    reviewer = User.objects.filter(login_id="occto-reviewer").first()
    for key in ("tohoku", "kyushu"):
        user = User.objects.filter(login_id=f"{key}-user1").first()
        if reviewer is None or user is None:
            continue
        resources: dict[str, Resource] = {}
        for resource in Resource.objects.filter(operator_id=user.operator_id, is_active=True).order_by("pk"):
            resources.setdefault(resource.category, resource)  # the first of each category (stable: the LNG unit)
        stable, aggregate = resources.get("stable"), resources.get("variable_aggregate")
        if stable is not None and not ExpectedCapacityApplication.objects.filter(resource=stable,
                                                                                auction=auction).exists():
            application = services.submit_expected_capacity_application(
                auction=auction, resource=stable, actor=user, expected_kw=stable.installed_kw * 9 // 10)
            services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                           expected_version=application.version,
                                                           comment="デモ: 承認")
        if aggregate is not None and not ExpectedCapacityApplication.objects.filter(resource=aggregate,
                                                                                   auction=auction).exists():
            services.submit_expected_capacity_application(auction=auction, resource=aggregate, actor=user)


# --- the bidding and the published auctions ---------------------------------------------------------------------
def _today() -> dt.date:
    return timezone.localdate(timezone.now(), JST)


def _schedule(auction: Auction, **dates: dt.datetime) -> None:
    for name, value in dates.items():
        setattr(auction, name, value)
    auction.full_clean()
    auction.save()


def _registration_open_dates(today: dt.date) -> dict:
    """Dates with the registration window open now (the expected-capacity services need it)."""
    return {
        "registration_opens_at": _at(today - dt.timedelta(days=1), 0),
        "expected_capacity_deadline": _at(today + dt.timedelta(days=1), 18),
        "registration_closes_at": _at(today + dt.timedelta(days=1), 18),
        "bid_opens_at": _at(today + dt.timedelta(days=2), 9),
        "bid_closes_at": _at(today + dt.timedelta(days=3), 18),
        "clearing_at": _at(today + dt.timedelta(days=4), 9),
        "publication_at": _at(today + dt.timedelta(days=5), 9),
        "contract_conclusion_at": _at(today + dt.timedelta(days=6), 9),
    }


def _bid_open_dates(today: dt.date) -> dict:
    """Dates with the bid window open now (opened at midnight, closing 18:00 in a week)."""
    return {
        "registration_opens_at": _at(today - dt.timedelta(days=40), 9),
        "expected_capacity_deadline": _at(today - dt.timedelta(days=25), 18),
        "registration_closes_at": _at(today - dt.timedelta(days=20), 18),
        "bid_opens_at": _at(today, 0),
        "bid_closes_at": _at(today + dt.timedelta(days=7), 18),
        "clearing_at": _at(today + dt.timedelta(days=10), 9),
        "publication_at": _at(today + dt.timedelta(days=20), 9),
        "contract_conclusion_at": _at(today + dt.timedelta(days=45), 9),
    }


def _new_auction(*, kind: str, delivery: int, name: str, today: dt.date, curve: dict) -> Auction:
    auction = Auction(kind=kind, delivery_fiscal_year=delivery, name=name, **_registration_open_dates(today),
                      **curve)
    auction.full_clean()
    auction.save()
    AdjustmentFactor.objects.bulk_create(
        [AdjustmentFactor(auction=auction, generation_type="wind", area=a, factor=Decimal(f))
         for a, f in WIND_FACTORS.items()])
    return auction


def _demo_resources(key: str) -> tuple[User | None, dict[str, Resource]]:
    """The demo operator's first user and its approved resources by generation type (lng, battery, wind, dr)."""
    user = User.objects.filter(login_id=f"{key}-user1").first()
    if user is None:
        return None, {}
    resources: dict[str, Resource] = {}
    for resource in Resource.objects.filter(operator_id=user.operator_id, is_active=True).order_by("pk"):
        resources.setdefault(resource.generation_type, resource)
    return user, resources


def _qualify(auction: Auction, reviewer: User, key: str, wanted: dict[str, int | None]) -> None:
    """Apply for and approve the expected capacity of the operator's resources (kW None: computed, variable)."""
    user, resources = _demo_resources(key)
    for generation_type, kw in wanted.items():
        resource = resources.get(generation_type)
        if user is None or resource is None:
            continue
        application = services.submit_expected_capacity_application(auction=auction, resource=resource, actor=user,
                                                                    expected_kw=kw)
        services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                       expected_version=application.version, comment="デモ: 承認")


def _bid(auction: Auction, key: str, bids: dict[str, tuple[int, int]]) -> None:
    """Bid (quantity kW, price yen/kW) for the operator's resources by generation type, as one receipt."""
    user, resources = _demo_resources(key)
    entries = [bidding.BidEntry(resources[t].pk, kw, price) for t, (kw, price) in bids.items() if t in resources]
    if user is not None and entries:
        bidding.submit_bids(auction=auction, actor=user, entries=entries, idempotency_key=uuid.uuid4())


def _ensure_bidding_auction(reviewer: User) -> Auction:
    """An additional auction in its bid window: both demo operators qualified, Tohoku has bid, Kyushu not yet."""
    today = _today()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    delivery = fiscal_year + 1
    auction = Auction.objects.filter(kind=AuctionKind.ADDITIONAL, delivery_fiscal_year=delivery).first()
    if auction is not None:
        return auction
    auction = _new_auction(
        kind=AuctionKind.ADDITIONAL, delivery=delivery, name=f"追加オークション（実需給{delivery}年度）",
        today=today, curve={"net_cone": Decimal("9000"), "q_upper_kw": 600_000, "target_kw": 900_000,
                            "q_zero_kw": 1_400_000, "dr_cap_kw": 1_000})
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=200_000)
    # The DR caps by area of an additional auction (each area's H3 × 1 %, scaled to the demo; Hokkaido has none).
    AreaDrCap.objects.bulk_create([AreaDrCap(auction=auction, area=area, cap_kw=kw) for area, kw in (
        (Area.TOHOKU, 1_000), (Area.TOKYO, 3_000), (Area.CHUBU, 1_500), (Area.HOKURIKU, 500), (Area.KANSAI, 1_500),
        (Area.CHUGOKU, 700), (Area.SHIKOKU, 400), (Area.KYUSHU, 1_000))])
    for key in ("tohoku", "kyushu"):
        _qualify(auction, reviewer, key, {"lng": 450_000, "battery": 18_000, "wind": None, "dr": 1_500})
    _schedule(auction, **_bid_open_dates(today))
    _bid(auction, "tohoku", {"lng": (450_000, 0), "battery": (18_000, 8_000)})
    return auction


def _ensure_published_auction(reviewer: User) -> Auction | None:
    """An earlier main auction, bid, closed, cleared and published; Kyushu is a short block and the DR cap binds."""
    today = _today()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    delivery = fiscal_year + 3
    auction = Auction.objects.filter(kind=AuctionKind.MAIN, delivery_fiscal_year=delivery).first()
    admin = User.objects.filter(login_id="occto-admin").first()
    if auction is not None or admin is None:
        return auction
    auction = _new_auction(
        kind=AuctionKind.MAIN, delivery=delivery, name=f"メインオークション（実需給{delivery}年度）", today=today,
        curve={"net_cone": Decimal("10075"), "q_upper_kw": 600_000, "target_kw": 900_000, "q_zero_kw": 1_400_000,
               "dr_cap_kw": 1_000})
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=200_000)
    for key in ("tohoku", "kyushu"):
        _qualify(auction, reviewer, key, {"lng": 450_000, "battery": 18_000, "wind": None, "dr": 1_500})
    _schedule(auction, **_bid_open_dates(today))
    _bid(auction, "tohoku", {"lng": (450_000, 0), "wind": (6_102, 3_000), "battery": (18_000, 8_000),
                             "dr": (1_500, 12_000)})
    _bid(auction, "kyushu", {"lng": (450_000, 5_500), "battery": (18_000, 9_500), "dr": (1_500, 11_000)})
    _schedule(auction, registration_opens_at=_at(today - dt.timedelta(days=90), 9),
              expected_capacity_deadline=_at(today - dt.timedelta(days=75), 18),
              registration_closes_at=_at(today - dt.timedelta(days=70), 18),
              bid_opens_at=_at(today - dt.timedelta(days=40), 9), bid_closes_at=_at(today - dt.timedelta(days=33), 18),
              clearing_at=_at(today - dt.timedelta(days=25), 9), publication_at=_at(today - dt.timedelta(days=5), 9),
              contract_conclusion_at=_at(today + dt.timedelta(days=30), 9))
    ShortBlock.objects.create(auction=auction, order=1, name="九州", areas=["kyushu"], additional_kw=10_000)
    clearing_service.close_bids(auction=auction, actor=admin)
    run = clearing_service.start_clearing(auction=auction, actor=admin)
    run = clearing_service.run_clearing(run.pk)  # here, not in a worker: the queued task then finds it done
    if run is not None and run.status == "succeeded":
        clearing_service.publish_run(run=run, actor=admin)
    return auction


def seed(*, stdout) -> list[tuple[str, str]]:
    auction = _ensure_auction()
    _ensure_expected_capacity(auction)
    stdout.write(f"Auction in its registration window: {auction.name}")
    reviewer = User.objects.filter(login_id="occto-reviewer").first()
    if reviewer is not None:
        bidding_auction = _ensure_bidding_auction(reviewer)
        stdout.write(f"Auction in its bid window: {bidding_auction.name}")
        published = _ensure_published_auction(reviewer)
        if published is not None:
            stdout.write(f"Auction with published results: {published.name}")
    return []
