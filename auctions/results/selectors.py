"""Published clearing results (約定結果), the read side: what operators may see of a clearing run.

Nothing here writes. A run is visible only once it is published (status published, with `published_at`, by the
explicit, audited publishing step of OCCTO); before that, every selector answers "not published" and shows no
number. Every figure is an exact integer (kW, yen/kW, yen) read from the stored outcomes — never a float.

- `published_run(auction=…)`: the auction's published run, or None.
- `awarded_resource_ids(auction, resource_ids)`: which of these resources won in the published run.
- `own_outcomes(run=…, user=…)`: the user's operator's outcomes in that run (awarded and not), with the resource.
- `aggregate(run=…)`: prices per area (short-block areas marked), awarded kW by area × category with row and
  column totals (ONE grouped query), and the totals.
- `supply_by_price(run=…)`: the kW offered at each distinct price (DR-cap exclusions left out): the supply curve.
- `contract_total(auction=…)`: the total after the transitional deduction once contracts exist (else None: the
  page labels its amounts as before the deduction, 経過措置控除前).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from capacity_market import hooks
from capacity_market.scoping import scope_to_user
from registration.choices import Area, ResourceCategory

from ..clearing import AREAS, CATEGORIES
from ..models import Auction, ClearingOutcome, ClearingRun, ClearingRunStatus

# --- the transitional deduction (経過措置) ------------------------------------------------------------------------
# The amounts of a clearing run are paid price × awarded kW: before the transitional deduction, which the capacity
# securing contracts (contracts app) apply. Until an auction's contracts exist, its published total is labelled
# "before the deduction" (経過措置控除前); the contracts app registers a function answering the total of an
# auction's contracts after the deduction (or None while it has none), and the results page then shows it too.
_contract_totals: list = []


def register_contract_total(func):
    """`func(auction) -> int | None`: the total amount of the auction's contracts after the deduction (yen)."""
    return hooks.register(_contract_totals, func)


def contract_total(*, auction: Auction) -> int | None:
    """The total after the transitional deduction of the auction's contracts, or None while none exist."""
    answers = hooks.answers(_contract_totals, auction)
    return answers[0] if answers else None


def published_runs() -> QuerySet[ClearingRun]:
    """The published clearing runs: the only runs any operator page reads."""
    return ClearingRun.objects.filter(status=ClearingRunStatus.PUBLISHED)


def published_run(*, auction: Auction) -> ClearingRun | None:
    """The auction's published clearing run, or None while the results are not published.

    A database constraint allows at most one published run per auction; re-runs that were never published are
    invisible here."""
    return published_runs().filter(auction=auction).order_by("-published_at", "-pk").first()


def awarded_resource_ids(auction: Auction, resource_ids) -> set[int]:
    """Of `resource_ids`, the resources with a winning bid (awarded kW > 0) in the auction's published run; none
    while no run is published. One query. Registered with qualification (`register_award_lookup`), which refuses
    the main auction's winners in the additional auction of the same delivery year."""
    return set(ClearingOutcome.objects.filter(run__in=published_runs().filter(auction=auction), awarded_kw__gt=0,
                                              bid__resource_id__in=list(resource_ids))
               .values_list("bid__resource_id", flat=True))


def own_outcomes_qs(*, run: ClearingRun, user) -> QuerySet[ClearingOutcome]:
    """The outcomes of the user's operator's bids in `run` (awarded and not awarded), by grid code.

    Scoped through `scope_to_user`: OCCTO staff and users of other operators get nothing. Carries the bid's
    resource (grid code, name)."""
    return (scope_to_user(ClearingOutcome.objects.filter(run=run), user=user)
            .select_related("bid__resource").order_by("bid__resource__grid_code", "pk"))


def own_outcomes(*, run: ClearingRun, user) -> list[ClearingOutcome]:
    """`own_outcomes_qs` fetched (one query), each with `category_label` (the category's display name)."""
    labels = dict(ResourceCategory.choices)
    outcomes = list(own_outcomes_qs(run=run, user=user))
    for outcome in outcomes:
        outcome.category_label = str(labels.get(outcome.category, outcome.category))
    return outcomes


@dataclass(frozen=True)
class OwnTotals:
    awarded_kw: int
    amount_yen: int
    awarded_count: int
    bid_count: int


def own_totals(outcomes) -> OwnTotals:
    """The totals of a list of outcomes (already fetched: no query)."""
    outcomes = list(outcomes)
    return OwnTotals(
        awarded_kw=sum(o.awarded_kw for o in outcomes),
        amount_yen=sum(o.amount_yen for o in outcomes),
        awarded_count=sum(1 for o in outcomes if o.awarded_kw > 0),
        bid_count=len(outcomes),
    )


@dataclass(frozen=True)
class AreaPrice:
    area: str
    label: str
    price: int
    short_block: str  # the name of the short block the area belongs to, or ""


@dataclass(frozen=True)
class AreaRow:
    area: str
    label: str
    cells: list[int]  # awarded kW per category, in CATEGORIES order
    total_kw: int


@dataclass(frozen=True)
class Aggregate:
    national_price: int
    area_prices: list[AreaPrice]
    categories: list[tuple[str, str]]  # (key, label)
    rows: list[AreaRow]
    column_totals: list[int]
    awarded_kw: int
    amount_yen: int
    awarded_count: int
    bid_count: int
    short_blocks: list[dict] = field(default_factory=list)


def short_block_of_area(run: ClearingRun) -> dict[str, str]:
    """area → the name of the short block it was cleared in (from the run's input summary)."""
    blocks = (run.input_summary or {}).get("short_blocks") or []
    return {area: str(block.get("name", "")) for block in blocks for area in block.get("areas", ())}


def aggregate(*, run: ClearingRun) -> Aggregate:
    """The published aggregate of a run: one grouped query over its outcomes, whatever their number."""
    grouped = (ClearingOutcome.objects.filter(run=run).order_by().values("area", "category")
               .annotate(kw=Sum("awarded_kw"), amount=Sum("amount_yen"), bids=Count("pk"),
                         awarded=Count("pk", filter=Q(awarded_kw__gt=0))))
    cells: dict[tuple[str, str], int] = {}
    amount_yen = awarded_count = bid_count = 0
    for row in grouped:
        cells[(row["area"], row["category"])] = int(row["kw"] or 0)
        amount_yen += int(row["amount"] or 0)
        awarded_count += row["awarded"]
        bid_count += row["bids"]
    area_labels = dict(Area.choices)
    category_labels = dict(ResourceCategory.choices)
    rows = []
    for area in AREAS:
        values = [cells.get((area, category), 0) for category in CATEGORIES]
        rows.append(AreaRow(area=area, label=str(area_labels.get(area, area)), cells=values, total_kw=sum(values)))
    column_totals = [sum(row.cells[i] for row in rows) for i in range(len(CATEGORIES))]
    blocks = short_block_of_area(run)
    prices = run.area_prices or {}
    national = int(run.national_price or 0)
    return Aggregate(
        national_price=national,
        area_prices=[AreaPrice(area=area, label=str(area_labels.get(area, area)),
                               price=int(prices.get(area, national)), short_block=blocks.get(area, ""))
                     for area in AREAS],
        categories=[(category, str(category_labels.get(category, category))) for category in CATEGORIES],
        rows=rows,
        column_totals=column_totals,
        awarded_kw=sum(column_totals),
        amount_yen=amount_yen,
        awarded_count=awarded_count,
        bid_count=bid_count,
        short_blocks=list((run.input_summary or {}).get("short_blocks") or []),
    )


def supply_by_price(*, run: ClearingRun) -> list[tuple[int, int]]:
    """(price yen/kW, kW offered at that price) per distinct price, ascending, of the bids the DR cap did not
    exclude: the steps of the supply curve (the fixed supply comes before them at price 0). One query."""
    rows = (ClearingOutcome.objects.filter(run=run, excluded_by_dr_cap=False).order_by("price_yen")
            .values("price_yen").annotate(kw=Sum("quantity_kw")).values_list("price_yen", "kw"))
    return [(int(price), int(kw)) for price, kw in rows]


# --- CSV rows ------------------------------------------------------------------------------------------------------
AWARDS_CSV_HEADERS = ("系統コード", "電源等名称", "エリア", "電源等の区分", "応札容量(kW)", "応札価格(円/kW)", "結果",
                      "落札容量(kW)", "約定価格(円/kW)", "金額(円・経過措置控除前)")


def awards_csv_rows(outcomes) -> list[list]:
    """One row per own outcome, its result as on the page (落札 / 非落札 / DR上限により除外, in the active language);
    a loser has 0 kW awarded, an empty paid price and 0 yen. Amounts are before the transitional deduction."""
    area_labels = dict(Area.choices)
    category_labels = dict(ResourceCategory.choices)
    return [[o.bid.resource.grid_code, o.bid.resource.name, str(area_labels.get(o.area, o.area)),
             str(category_labels.get(o.category, o.category)), o.quantity_kw, o.price_yen, o.result_label,
             o.awarded_kw, "" if o.paid_price is None else o.paid_price, o.amount_yen]
            for o in outcomes]


def summary_csv(agg: Aggregate) -> tuple[list[str], list[list]]:
    """The aggregate as one table: per area its price, short block and awarded kW by category, then totals."""
    headers = ["エリア", "エリアプライス(円/kW)", "不足ブロック",
               *[f"落札容量 {label}(kW)" for _key, label in agg.categories], "落札容量 合計(kW)"]
    rows: list[list] = []
    for price, row in zip(agg.area_prices, agg.rows, strict=True):
        rows.append([price.label, price.price, price.short_block, *row.cells, row.total_kw])
    rows.append(["合計", "", "", *agg.column_totals, agg.awarded_kw])
    return headers, rows
