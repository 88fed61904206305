"""Demo auction: a main auction in its registration window (relative to today), with its parameters, and expected
capacity for the demo operators' resources (one approved → qualified, one waiting for review), made through the
real services."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from registration.choices import Area
from registration.models import Resource

from . import services
from .models import (
    AdjustmentFactor,
    Auction,
    AuctionKind,
    ExpectedCapacityApplication,
    FixedSupplyItem,
    TransitionalDeductionCoefficient,
)
from .phases import JST

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


def seed(*, stdout) -> list[tuple[str, str]]:
    auction = _ensure_auction()
    _ensure_expected_capacity(auction)
    stdout.write(f"Auction in its registration window: {auction.name}")
    return []
