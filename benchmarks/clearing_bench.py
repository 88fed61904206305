"""Benchmark: the whole ``manage.py clear_auction`` process against the I/O floor, in the same run.

    .venv/bin/python benchmarks/clearing_bench.py [--sizes 6000,60000,600000] [--repeat 3] [--seed 2025]

For each size it generates a seeded instance shaped like a real main auction (research/performance.md §5):
about 80 % of bids at ¥0 and the rest uniform up to P_up, log-normal sizes (median 20 MW, capped at 1,400 MW)
scaled to 172.05 GW per 6,000 bids, areas weighted by H3 demand, ~5 % dispatch bids under a DR cap that binds,
and three short blocks shaped like the FY2025 result (tohoku+tokyo, hokkaido next to it, kyushu), with the FY2025
demand curve scaled to the size. It writes the instance to a temporary folder, then times (best of ``--repeat``):

* clear: ``python manage.py clear_auction --input F --output G`` as a subprocess (Django start-up included);
* floor: a plain Python subprocess that loads F with json, sorts the bids by (price, id) and writes them out;
* start-up: ``clear_auction`` on a 1-bid file (Django's fixed cost inside "clear").

It also checks that repeated clearings give byte-identical output, and prints the in-process split of the
engine's time (parse+validate / clear / serialise) for orientation. The goal is clear/floor < 2 at 600,000 bids.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auctions.clearing import clear, load_input, serialise_result  # noqa: E402

AREA_WEIGHTS = {  # FY2026 H3 demand, 万kW (research/performance.md §5.1)
    "hokkaido": 503,
    "tohoku": 1361,
    "tokyo": 5521,
    "chubu": 2311,
    "hokuriku": 490,
    "kansai": 2668,
    "chugoku": 1020,
    "shikoku": 472,
    "kyushu": 1589,
}
CATEGORY_WEIGHTS = {"stable": 91, "variable": 3, "variable_aggregate": 1, "dispatch": 5}
BASE_BIDS = 6000
BASE_BID_KW = 172_050_000  # FY2025 main auction: 172.05 GW offered
P_UP = "15112.5"
P_UP_WHOLE = 15112

FLOOR_SCRIPT = """
import json, sys
with open(sys.argv[1], "rb") as f:
    data = json.loads(f.read())
data["bids"].sort(key=lambda b: (b["price"], b["id"]))
text = json.dumps(data, ensure_ascii=False)
with open(sys.argv[2], "wb") as f:
    f.write(text.encode())
"""


def generate(n: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:{n}")
    scale = n / BASE_BIDS
    areas = rng.choices(list(AREA_WEIGHTS), weights=list(AREA_WEIGHTS.values()), k=n)
    categories = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()), k=n)
    sizes = [min(rng.lognormvariate(math.log(20_000), 1.0), 1_400_000) for _ in range(n)]
    factor = BASE_BID_KW * scale / sum(sizes)
    bids = []
    for k in range(n):
        price = 0 if rng.random() < 0.8 else rng.randint(1, P_UP_WHOLE)
        bids.append(
            {
                "id": f"R-{k:07d}",
                "area": areas[k],
                "category": categories[k],
                "quantity_kw": max(1, round(sizes[k] * factor)),
                "price": price,
            }
        )
    dispatch_kw = sum(b["quantity_kw"] for b in bids if b["category"] == "dispatch")
    area_kw = dict.fromkeys(AREA_WEIGHTS, 0)
    for b in bids:
        area_kw[b["area"]] += b["quantity_kw"]
    return {
        "auction": f"BENCH-{n}",
        "demand_curve": {
            "upper_price": P_UP,
            "q_upper_kw": round(188_813_656 * scale),
            "net_cone": "10075",
            "target_kw": round(189_966_340 * scale),
            "q_zero_kw": round(195_652_080 * scale),
        },
        "fixed_supply_kw": round(25_983_590 * scale),
        "dr_cap_kw": dispatch_kw * 6 // 10,
        "tie_break_seed": f"bench-{seed}",
        "bids": bids,
        "short_blocks": [
            {
                "name": "east",
                "areas": ["tohoku", "tokyo"],
                "additional_kw": (area_kw["tohoku"] + area_kw["tokyo"]) * 2 // 100,
                "adjacent": "national",
            },
            {
                "name": "hokkaido",
                "areas": ["hokkaido"],
                "additional_kw": area_kw["hokkaido"] * 3 // 100,
                "adjacent": "east",
            },
            {
                "name": "kyushu",
                "areas": ["kyushu"],
                "additional_kw": area_kw["kyushu"] * 3 // 100,
                "adjacent": "national",
            },
        ],
    }


# Production-like settings (DEBUG off) unless the caller configured Django; the command needs no database.
ENV = {**os.environ}
if "DJANGO_SECRET_KEY" not in ENV and "DJANGO_DEBUG" not in ENV:
    ENV["DJANGO_SECRET_KEY"] = "benchmark-only-secret"


def best_of(repeat: int, command: list[str]) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, env=ENV)  # noqa: S603 (our own fixed command lines)
        best = min(best, time.perf_counter() - start)
    return best


def in_process_split(path: Path) -> tuple[float, float, float]:
    """The engine's own time, in this process, with the cycle collector off as in the command."""
    gc.collect()
    gc.disable()
    try:
        return _split(path)
    finally:
        gc.enable()


def _split(path: Path) -> tuple[float, float, float]:
    start = time.perf_counter()
    auction = load_input(path)
    parsed = time.perf_counter()
    result = clear(auction)
    cleared = time.perf_counter()
    serialise_result(result).encode()
    done = time.perf_counter()
    return parsed - start, cleared - parsed, done - cleared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="6000,60000,600000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    python = sys.executable
    manage = [python, str(ROOT / "manage.py"), "clear_auction"]

    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    )
    with tempfile.TemporaryDirectory(prefix="clearing-bench-") as folder:
        tmp = Path(folder)
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT)
        tiny = tmp / "tiny.json"
        tiny_instance = generate(1, args.seed)
        tiny.write_text(json.dumps(tiny_instance, ensure_ascii=False))
        startup = best_of(args.repeat, [*manage, "--input", str(tiny), "--output", str(tmp / "tiny.out")])

        rows = []
        for n in sizes:
            source = tmp / f"auction-{n}.json"
            source.write_text(json.dumps(generate(n, args.seed), ensure_ascii=False))
            megabytes = source.stat().st_size / 1e6
            out = tmp / f"result-{n}.json"
            clear_time = best_of(args.repeat, [*manage, "--input", str(source), "--output", str(out)])
            first = out.read_bytes()
            again = [*manage, "--input", str(source), "--output", str(out)]
            subprocess.run(again, check=True, cwd=ROOT, env=ENV)  # noqa: S603 (our own fixed command line)
            if out.read_bytes() != first:
                raise SystemExit(f"{n} bids: two clearings of the same input differ")
            floor_time = best_of(
                args.repeat, [python, str(floor_script), str(source), str(tmp / "floor.out")]
            )
            split = in_process_split(source)
            result = json.loads(first)
            rows.append((n, megabytes, clear_time, floor_time, split, result))

    print(f"clear_auction start-up (1-bid file): {startup:.3f} s, best of {args.repeat}")
    print()
    print(
        "| bids | input MB | clear_auction s | I/O floor s | ratio | clear_auction − start-up s "
        "| parse+validate s | clear s | serialise s |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, megabytes, clear_time, floor_time, (parse, engine, write), _ in rows:
        print(
            f"| {n:,} | {megabytes:.1f} | {clear_time:.3f} | {floor_time:.3f} | **{clear_time / floor_time:.2f}** "
            f"| {clear_time - startup:.3f} | {parse:.3f} | {engine:.3f} | {write:.3f} |"
        )
    print()
    for n, *_, result in rows:
        blocks = {
            area: price for area, price in result["area_prices"].items() if price != result["national_price"]
        }
        print(
            f"{n:,} bids: national {result['national_price']}, short-block areas {blocks}, "
            f"{len(result['awards']):,} awards, {len(result['excluded_by_dr_cap']):,} excluded by the DR cap"
        )


if __name__ == "__main__":
    main()
