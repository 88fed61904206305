"""Benchmark: a clearing run inside the system (`auctions.clearing.services`), database included.

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/clearing_run_bench.py [--sizes 6000,60000] [--seed 2025]

For each size it makes the same seeded instance as `clearing_bench.py` (shaped like a real main auction), stores it
in a throw-away test database (`test_<name>`, created and dropped by Django's test machinery, so the database of
DATABASE_URL is never touched): one operator, a resource, its approved expected capacity and its bid per bid of the
instance, the short blocks, and the bids closed. Then it times, in the same run:

* run: `start_clearing` + the task (`run_clearing`, eager here), which reads the bids, clears, and stores one
  `ClearingOutcome` per bid, with the progress written as it goes;
* engine: the pure engine alone on the same input (`clearing.clear`), i.e. what the run adds is database work;

and checks that the run's national price equals the engine's. The figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_market.test_settings")


def build(n: int, seed: int):
    """Store the instance; returns (auction, admin user, the engine input built from the database)."""
    import datetime as dt
    import uuid

    from clearing_bench import generate
    from django.utils import timezone

    from auctions.clearing import services as clearing_service
    from auctions.models import (
        Auction,
        Bid,
        BidSubmission,
        ExpectedCapacity,
        ExpectedCapacityApplication,
        FixedSupplyItem,
        ShortBlock,
    )
    from registration.models import Resource
    from tests import factories

    document = generate(n, seed)
    index = Auction.objects.count()  # several sizes share the database: keep years and grid codes apart
    curve = document["demand_curve"]
    now = timezone.now()
    day = dt.timedelta(days=1)
    auction = Auction.objects.create(
        kind="main", delivery_fiscal_year=2040 + index, name=f"Benchmark {n:,}",
        registration_opens_at=now - 90 * day, expected_capacity_deadline=now - 80 * day,
        registration_closes_at=now - 70 * day, bid_opens_at=now - 40 * day, bid_closes_at=now - day,
        clearing_at=now, publication_at=now + day, contract_conclusion_at=now + 30 * day,
        net_cone=Decimal(curve["net_cone"]), q_upper_kw=curve["q_upper_kw"], target_kw=curve["target_kw"],
        q_zero_kw=curve["q_zero_kw"], dr_cap_kw=document["dr_cap_kw"], bids_closed_at=now,
    )
    FixedSupplyItem.objects.create(auction=auction, label="fixed", kw=document["fixed_supply_kw"])
    for order, block in enumerate(document["short_blocks"], start=1):
        ShortBlock.objects.create(auction=auction, order=order, name=block["name"], areas=block["areas"],
                                  additional_kw=block["additional_kw"], adjacent=block["adjacent"])
    operator = factories.OperatorFactory()
    user = factories.OperatorUserFactory(operator=operator)
    admin = factories.OcctoAdminFactory()
    bids = document["bids"]
    resources = Resource.objects.bulk_create(
        [Resource(operator=operator, grid_code=f"9{index}{k:020d}", name=f"R{k}", area=b["area"],
                  category=b["category"],
                  generation_type="dr" if b["category"] == "dispatch" else "lng", installed_kw=b["quantity_kw"],
                  commissioning_date=dt.date(2010, 4, 1), can_adjust_output=True)
         for k, b in enumerate(bids)], batch_size=5000)
    applications = ExpectedCapacityApplication.objects.bulk_create(
        [ExpectedCapacityApplication(kind="new", status="approved", operator=operator, auction=auction, resource=r,
                                     expected_kw=b["quantity_kw"], installed_kw=b["quantity_kw"])
         for r, b in zip(resources, bids, strict=True)], batch_size=5000)
    ExpectedCapacity.objects.bulk_create(
        [ExpectedCapacity(auction=auction, resource=r, application=a, expected_kw=b["quantity_kw"],
                          installed_kw=b["quantity_kw"], approved_at=now)
         for r, a, b in zip(resources, applications, bids, strict=True)], batch_size=5000)
    submission = BidSubmission.objects.create(auction=auction, operator=operator, submitted_by=user,
                                              idempotency_key=uuid.uuid4(), accepted_at=now, bid_count=n)
    Bid.objects.bulk_create(
        [Bid(auction=auction, resource=r, operator=operator, area=r.area, category=r.category,
             quantity_kw=b["quantity_kw"], price_yen=b["price"], submission=submission, created_at=now,
             updated_at=now)
         for r, b in zip(resources, bids, strict=True)], batch_size=5000)
    return auction, admin, clearing_service.engine_input(auction=auction, seed="bench")


def measure(n: int, seed: int) -> dict:
    from auctions import clearing
    from auctions.clearing import services as clearing_service

    started = time.perf_counter()
    auction, admin, engine_input = build(n, seed)
    stored = time.perf_counter() - started

    started = time.perf_counter()
    result = clearing.clear(engine_input)
    engine = time.perf_counter() - started

    started = time.perf_counter()
    run = clearing_service.start_clearing(auction=auction, actor=admin, seed="bench")  # the task runs on commit
    run.refresh_from_db()
    whole = time.perf_counter() - started
    if run.status != "succeeded" or run.national_price != result.national_price:
        raise SystemExit(f"run {run.status} {run.error!r}: {run.national_price} ≠ {result.national_price}")
    return {"bids": n, "store": stored, "run": whole, "engine": engine, "outcomes": run.outcomes.count(),
            "national": run.national_price}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6000,60000")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from capacity_market.celery import app as celery_app

    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL (a throw-away test_<name> database is made next to it).")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print("| bids | store the instance s | start_clearing + task s | engine alone s | run − engine s | outcomes |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for size in (int(s) for s in args.sizes.split(",")):
            row = measure(size, args.seed)
            print(f"| {row['bids']:,} | {row['store']:.2f} | {row['run']:.2f} | {row['engine']:.3f} | "
                  f"{row['run'] - row['engine']:.2f} | {row['outcomes']:,} |", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
