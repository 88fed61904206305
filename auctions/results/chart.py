"""The results chart: the supply curve against the demand curve, as server-rendered SVG (no script, no CDN).

- Demand: straight lines through (0, P_up), (Q_up, P_up), (target, Net CONE), (Q_0, 0) of the run's input summary.
- Supply: a step curve from the fixed supply at 0 yen/kW, then the bids the DR cap did not exclude, by ascending
  price, summed per distinct price (so 600,000 bids are at most P_up + 1 steps).
- The national clearing point: the clearing price and the supply offered at it, with dashed guides to the axes; its
  label is the first entry of the legend above the plot, where no curve crosses it.

Every quantity is an exact int or Fraction until the pixel coordinates, which are rounded (half up) at the very
end; consecutive vertices that fall on the same pixel, and the middle ones of straight runs, are dropped, so the
polyline has at most about width + height vertices whatever the number of steps (the SVG stays small).

Quantities are labelled in 万kW (10,000 kW) when the axis reaches 100,000 kW, in kW below that; prices in yen/kW.
All text goes through `format_html`, so it is escaped; the output is a `SafeString` to embed inline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from capacity_market import numbers

from ..models import ClearingRun

WIDTH, HEIGHT = 800, 480
LEFT, RIGHT, TOP, BOTTOM = 88, 24, 40, 64
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAN_KW = 10_000  # 万kW
MAX_TICKS = 8


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, exact: the demand corners, the supply steps and the clearing result."""

    upper_price: Fraction
    q_upper_kw: int
    net_cone: Fraction
    target_kw: int
    q_zero_kw: int
    fixed_supply_kw: int
    steps: list[tuple[int, int]]  # (price yen/kW, kW offered at that price), ascending price
    national_price: int
    awarded_kw: int

    @property
    def demand_points(self) -> list[tuple[int, Fraction]]:
        return [(0, self.upper_price), (self.q_upper_kw, self.upper_price), (self.target_kw, self.net_cone),
                (self.q_zero_kw, Fraction(0))]

    def supply_points(self) -> list[tuple[int, int]]:
        """The step curve's corners (kW, yen/kW): from (fixed supply, 0), right along each price, then up."""
        total = self.fixed_supply_kw
        points = [(total, 0)]
        for price, kw in self.steps:
            if points[-1][1] != price:
                points.append((total, price))
            total += kw
            points.append((total, price))
        return points

    @property
    def total_supply_kw(self) -> int:
        return self.fixed_supply_kw + sum(kw for _price, kw in self.steps)

    def supply_at_or_below(self, price: int) -> int:
        """The supply offered at or below `price` (fixed supply included)."""
        return self.fixed_supply_kw + sum(kw for p, kw in self.steps if p <= price)

    @property
    def clearing_kw(self) -> int:
        """The supply offered at or below the national price: the quantity of the national clearing point."""
        return self.supply_at_or_below(self.national_price)


def _exact(value) -> Fraction:
    if isinstance(value, float):
        raise TypeError("floats are not exact")
    return Fraction(str(value)) if isinstance(value, (str, Decimal)) else Fraction(value)


def chart_data(run: ClearingRun, *, steps: list[tuple[int, int]] | None = None) -> ChartData:
    """The chart's data of a run: its input summary and (one query, unless given) its supply steps."""
    from .selectors import supply_by_price

    summary = run.input_summary or {}
    curve = summary.get("demand_curve") or {}
    return ChartData(
        upper_price=_exact(curve.get("upper_price", 0)),
        q_upper_kw=int(curve.get("q_upper_kw", 0)),
        net_cone=_exact(curve.get("net_cone", 0)),
        target_kw=int(curve.get("target_kw", 0)),
        q_zero_kw=int(curve.get("q_zero_kw", 0)),
        fixed_supply_kw=int(summary.get("fixed_supply_kw") or 0),
        steps=supply_by_price(run=run) if steps is None else steps,
        national_price=int(run.national_price or 0),
        awarded_kw=int(run.awarded_kw or 0),
    )


# --- scales --------------------------------------------------------------------------------------------------------
def nice_step(maximum: int, *, unit: int = 1, max_ticks: int = MAX_TICKS) -> int:
    """The smallest step of 1, 2 or 5 × 10^k units (k ≥ 0) that covers `maximum` in at most `max_ticks` steps."""
    magnitude = unit
    while True:
        for m in (1, 2, 5):
            step = m * magnitude
            if -(-maximum // step) <= max_ticks:
                return step
        magnitude *= 10


@dataclass(frozen=True)
class Scale:
    maximum: int  # the axis end, a multiple of step
    step: int
    unit: int  # 1 (kW, yen) or MAN_KW


def x_scale(data: ChartData) -> Scale:
    raw = max(data.q_zero_kw, data.total_supply_kw, 1)
    unit = MAN_KW if raw >= 10 * MAN_KW else 1
    step = nice_step(raw, unit=unit)
    return Scale(maximum=-(-raw // step) * step, step=step, unit=unit)


def y_scale(data: ChartData) -> Scale:
    raw = max(math.ceil(data.upper_price), max((p for p, _kw in data.steps), default=0), data.national_price, 1)
    step = nice_step(raw)
    return Scale(maximum=-(-raw // step) * step, step=step, unit=1)


def _round(value: Fraction) -> int:
    """Half up: the only rounding in the chart, to whole pixels."""
    return math.floor(value + Fraction(1, 2))


def pixel(q, p, xs: Scale, ys: Scale) -> tuple[int, int]:
    """The pixel of (q kW, p yen/kW); y grows downwards."""
    x = LEFT + Fraction(q) * PLOT_W / xs.maximum
    y = TOP + PLOT_H - Fraction(p) * PLOT_H / ys.maximum
    return _round(x), _round(y)


def simplify(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop repeated pixels and the middle vertex of any horizontal or vertical run (the drawing is unchanged)."""
    out: list[tuple[int, int]] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == point[0]) or (y0 == y1 == point[1]):
                out[-1] = point
                continue
        out.append(point)
    return out


def _points_attr(points) -> str:
    return " ".join(f"{x},{y}" for x, y in points)


def _amount(value: int, unit: int) -> str:
    """An exact quantity in the unit (10,000 kW → "1"; 12,345 kW → "1.2345")."""
    if unit == 1:
        return f"{value:,}"
    return f"{Decimal(value).scaleb(-4).normalize():,f}"


def _price(value: Fraction | int) -> str:
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    from ..clearing.engine import to_decimal

    return f"{to_decimal(value):,f}"


def x_label(xs: Scale) -> str:
    return _("Capacity (10,000 kW)") if xs.unit == MAN_KW else _("Capacity (kW)")


def description(data: ChartData) -> str:
    return _(
        "Demand curve through (0 kW, %(p_up)s yen/kW), (%(q_up)s kW, %(p_up)s yen/kW), (%(target)s kW, "
        "%(net_cone)s yen/kW) and (%(q_zero)s kW, 0 yen/kW). Supply curve from the fixed supply of %(fixed)s kW at "
        "0 yen/kW, then the bids by ascending price up to %(total)s kW. National clearing price %(price)s yen/kW "
        "with %(clearing)s kW offered at or below it; %(awarded)s kW of bids awarded in total."
    ) % {
        "p_up": _price(data.upper_price), "q_up": f"{data.q_upper_kw:,}", "target": f"{data.target_kw:,}",
        "net_cone": _price(data.net_cone), "q_zero": f"{data.q_zero_kw:,}", "fixed": f"{data.fixed_supply_kw:,}",
        "total": f"{data.total_supply_kw:,}", "price": f"{data.national_price:,}",
        "clearing": f"{data.clearing_kw:,}", "awarded": f"{data.awarded_kw:,}",
    }


# --- the SVG -------------------------------------------------------------------------------------------------------
def render_svg(data: ChartData, *, id_prefix: str = "supply-demand") -> SafeString:
    """The chart of `data` as an inline SVG document (pure: no database, no clock)."""
    xs, ys = x_scale(data), y_scale(data)
    bottom, right = TOP + PLOT_H, LEFT + PLOT_W
    demand = [pixel(q, p, xs, ys) for q, p in data.demand_points]
    supply = simplify([pixel(q, p, xs, ys) for q, p in data.supply_points()])
    cx, cy = pixel(data.clearing_kw, data.national_price, xs, ys)

    x_ticks = format_html_join(
        "", '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="grid"/>'
            '<text x="{0}" y="{3}" text-anchor="middle">{4}</text>',
        ((pixel(q, 0, xs, ys)[0], TOP, bottom, bottom + 18, _amount(q, xs.unit))
         for q in range(0, xs.maximum + 1, xs.step)),
    )
    y_ticks = format_html_join(
        "", '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" class="grid"/>'
            '<text x="{3}" y="{4}" text-anchor="end">{5}</text>',
        ((LEFT, pixel(0, p, xs, ys)[1], right, LEFT - 6, pixel(0, p, xs, ys)[1] + 4, f"{p:,}")
         for p in range(0, ys.maximum + 1, ys.step)),
    )
    # The legend, clearing point first, sits in the top margin above the plot: no curve can cross its labels
    # (a label beside the point was crossed by the supply curve's next step or by the demand curve).
    legend_y = TOP // 2
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" class="result-chart" font-size="12">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<style>.grid{{stroke:#e1e6eb;stroke-width:1}} .axis{{stroke:#1d2733;stroke-width:1.5}} '
        'text{{fill:#1d2733;font-family:inherit}}</style>'
        '<g class="ticks">{x_ticks}{y_ticks}</g>'
        '<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>'
        '<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"/>'
        '<text x="{x_mid}" y="{x_label_y}" text-anchor="middle" class="axis-label">{x_label}</text>'
        '<text transform="translate(16 {y_mid}) rotate(-90)" text-anchor="middle" class="axis-label">{y_label}</text>'
        '<polyline class="demand" points="{demand}" fill="none" stroke="#b3261e" stroke-width="2.5"/>'
        '<polyline class="supply" points="{supply}" fill="none" stroke="#0b5cad" stroke-width="2"/>'
        '<g class="clearing">'
        '<line x1="{left}" y1="{cy}" x2="{cx}" y2="{cy}" stroke="#1b7f3b" stroke-dasharray="6 4"/>'
        '<line x1="{cx}" y1="{cy}" x2="{cx}" y2="{bottom}" stroke="#1b7f3b" stroke-dasharray="6 4"/>'
        '<circle cx="{cx}" cy="{cy}" r="5" fill="#1b7f3b"/>'
        '</g>'
        '<g class="legend">'
        '<circle cx="{left_6}" cy="{legend_y}" r="5" fill="#1b7f3b"/>'
        '<text x="{left_16}" y="{legend_ty}" fill="#1b7f3b" class="clearing-label">{clearing_label}</text>'
        '<line x1="{lx}" y1="{legend_y}" x2="{lx2}" y2="{legend_y}" stroke="#b3261e" stroke-width="2.5"/>'
        '<text x="{ltx}" y="{legend_ty}">{demand_label}</text>'
        '<line x1="{sx}" y1="{legend_y}" x2="{sx2}" y2="{legend_y}" stroke="#0b5cad" stroke-width="2"/>'
        '<text x="{stx}" y="{legend_ty}">{supply_label}</text>'
        '</g></svg>',
        width=WIDTH, height=HEIGHT, id=id_prefix, title=_("Supply curve and demand curve"),
        desc=description(data), x_ticks=x_ticks, y_ticks=y_ticks, left=LEFT, right=right, top=TOP, bottom=bottom,
        x_mid=LEFT + PLOT_W // 2, x_label_y=HEIGHT - 16, x_label=x_label(xs), y_mid=TOP + PLOT_H // 2,
        y_label=_("Price (yen/kW)"), demand=_points_attr(demand), supply=_points_attr(supply), cx=cx, cy=cy,
        left_6=LEFT + 6, left_16=LEFT + 16,
        clearing_label=_("Clearing price %(price)s, %(kw)s") % {
            "price": numbers.yen_per_kw(data.national_price), "kw": numbers.kw(data.clearing_kw)},
        lx=right - 260, lx2=right - 230, ltx=right - 224, sx=right - 130, sx2=right - 100, stx=right - 94,
        legend_y=legend_y, legend_ty=legend_y + 4, demand_label=_("Demand curve"),
        supply_label=_("Supply curve"),
    )


def table_rows(data: ChartData) -> list[tuple[str, int, str]]:
    """The chart as a table (the accessible fallback): (what, kW, yen/kW) of the demand corners, the supply offered
    at or below each price tick, and the clearing point. Exact values, no pixels."""
    rows = [(_("Demand curve"), q, _price(p)) for q, p in data.demand_points]
    ys = y_scale(data)
    prices = sorted({*range(0, ys.maximum + 1, ys.step), data.national_price})
    rows += [(_("Supply offered at or below this price"), data.supply_at_or_below(p), f"{p:,}") for p in prices]
    rows.append((_("National clearing point"), data.clearing_kw, f"{data.national_price:,}"))
    return rows


def supply_demand_svg(run: ClearingRun) -> SafeString:
    """The chart of a run (reads its supply steps: one query)."""
    return render_svg(chart_data(run))
