"""The results chart: well-formed SVG, the demand curve through its four corners, monotone supply steps, the
clearing marker at the national price, exact labels, escaping, and a small file for 600,000 bids."""

import random
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from django.utils import translation

from auctions.results import chart as result_chart
from auctions.results.chart import ChartData, pixel, render_svg, simplify, table_rows, x_scale, y_scale
from tests.factories import BidFactory, ExpectedCapacityFactory, ResourceFactory

from .results_support import small_auction, store_run

SVG = "{http://www.w3.org/2000/svg}"


def toy_data(**overrides) -> ChartData:
    """domain.md §10 on the FY2025 prices: fixed 200 kW; 500 @ 0, 150 @ 3,000, 100 @ 8,000, 100 @ 12,000,
    100 @ 14,000 (12,000 clears)."""
    values = {
        "upper_price": Fraction("15112.5"), "q_upper_kw": 900, "net_cone": Fraction(10075), "target_kw": 1000,
        "q_zero_kw": 1100, "fixed_supply_kw": 200,
        "steps": [(0, 500), (3000, 150), (8000, 100), (12000, 100), (14000, 100)],
        "national_price": 12000, "awarded_kw": 850,
    }
    values.update(overrides)
    return ChartData(**values)


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def points(root, cls) -> list[tuple[int, int]]:
    line = root.find(f"{SVG}polyline[@class='{cls}']")
    return [tuple(int(v) for v in pair.split(",")) for pair in line.get("points").split()]


def test_the_chart_is_well_formed_svg_with_a_title_and_a_description():
    with translation.override("ja"):
        root = parse(render_svg(toy_data()))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "供給曲線と需要曲線"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "15,112.5" in desc.text and "12,000" in desc.text and "850" in desc.text


def test_the_demand_polyline_passes_through_its_four_corners():
    data = toy_data()
    root = parse(render_svg(data))
    xs, ys = x_scale(data), y_scale(data)
    expected = [pixel(0, Fraction("15112.5"), xs, ys), pixel(900, Fraction("15112.5"), xs, ys),
                pixel(1000, 10075, xs, ys), pixel(1100, 0, xs, ys)]
    assert points(root, "demand") == expected
    # Exact scale: 1,100 kW on an axis ending at 1,200 kW; 16,000 yen/kW at the top.
    assert (xs.maximum, xs.unit, ys.maximum) == (1200, 1, 16000)
    assert expected[3] == (result_chart.LEFT + round(Fraction(1100, 1200) * result_chart.PLOT_W),
                           result_chart.TOP + result_chart.PLOT_H)


def test_the_supply_steps_start_at_the_fixed_supply_and_are_monotone():
    data = toy_data()
    assert data.supply_points() == [(200, 0), (700, 0), (700, 3000), (850, 3000), (850, 8000), (950, 8000),
                                    (950, 12000), (1050, 12000), (1050, 14000), (1150, 14000)]
    steps = points(parse(render_svg(data)), "supply")
    xs, ys = x_scale(data), y_scale(data)
    assert steps[0] == pixel(200, 0, xs, ys) and steps[-1] == pixel(1150, 14000, xs, ys)
    assert all(b[0] >= a[0] and b[1] <= a[1] for a, b in zip(steps, steps[1:], strict=False))
    # A step curve: each segment is horizontal or vertical.
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(steps, steps[1:], strict=False))


def test_the_clearing_marker_sits_at_the_national_price_and_the_supply_offered_at_it():
    data = toy_data()
    root = parse(render_svg(data))
    circle = root.find(f"{SVG}g[@class='clearing']/{SVG}circle")
    assert (int(circle.get("cx")), int(circle.get("cy"))) == pixel(1050, 12000, x_scale(data), y_scale(data))
    assert data.clearing_kw == 1050
    label = root.find(f"{SVG}g[@class='legend']/{SVG}text[@class='clearing-label']")
    assert "12,000" in label.text and "1,050" in label.text


@pytest.mark.parametrize("national_price", [0, 3000, 8000, 12000, 14000])
def test_the_clearing_label_stays_above_the_plot_where_no_curve_crosses_it(national_price):
    """At 1,280 px the label beside the point was crossed by the supply curve: it is the legend's first entry now,
    in the top margin, left of the curves' legend, wherever the point is."""
    with translation.override("ja"):
        root = parse(render_svg(toy_data(national_price=national_price)))
    label = root.find(f"{SVG}g[@class='legend']/{SVG}text[@class='clearing-label']")
    assert label.text == f"約定価格 {national_price:,}円/kW、{toy_data(national_price=national_price).clearing_kw:,} kW"
    assert int(label.get("y")) < result_chart.TOP  # above the plot: every curve point has y ≥ TOP
    for cls in ("demand", "supply"):
        assert min(y for _x, y in points(root, cls)) >= result_chart.TOP
    assert root.find(f"{SVG}g[@class='clearing']/{SVG}text") is None  # nothing written next to the point
    demand_legend = min(int(line.get("x1")) for line in root.findall(f"{SVG}g[@class='legend']/{SVG}line"))
    assert int(label.get("x")) + 12 * len(label.text) < demand_legend  # even at full width per character


def test_large_quantities_are_labelled_in_man_kw_with_whole_ticks():
    data = toy_data(q_upper_kw=188_813_656, target_kw=189_966_340, q_zero_kw=195_652_080,
                    fixed_supply_kw=25_983_590, steps=[(0, 150_000_000), (12_388, 20_000_000)],
                    national_price=12_388, awarded_kw=170_000_000)
    with translation.override("ja"):
        root = parse(render_svg(data))
    xs = x_scale(data)
    assert xs.unit == 10_000 and xs.maximum % xs.step == 0 and xs.maximum >= 195_983_590
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "容量（万kW）" in texts and "価格（円/kW）" in texts
    assert "20,000" in texts  # 200,000,000 kW = 20,000 万kW, whole ticks
    assert "16,000" in texts  # yen/kW


def test_the_labels_follow_the_page_language():
    with translation.override("en"):
        texts = [t.text for t in parse(render_svg(toy_data())).iter(f"{SVG}text")]
    assert "Capacity (kW)" in texts and "Price (yen/kW)" in texts and "Demand curve" in texts


def test_text_is_escaped():
    with translation.override("en"), pytest.MonkeyPatch.context() as mp:
        mp.setattr(result_chart, "_", lambda s: s + " <b>&\"'")
        svg = str(render_svg(toy_data()))
    assert "<b>" not in svg and "&lt;b&gt;&amp;&quot;&#x27;" in svg
    parse(svg)


def test_no_supply_and_no_bids_still_draw():
    root = parse(render_svg(toy_data(steps=[], fixed_supply_kw=0, national_price=15112, awarded_kw=0)))
    assert points(root, "supply") == [pixel(0, 0, x_scale(toy_data()), y_scale(toy_data()))]


def test_simplify_drops_repeated_pixels_and_straight_middles():
    assert simplify([(0, 10), (0, 10), (5, 10), (9, 10), (9, 8), (9, 3), (9, 3), (12, 3)]) == [
        (0, 10), (9, 10), (9, 3), (12, 3)]


def test_600000_bids_make_a_small_svg():
    rng = random.Random(2025)
    prices = [0] * 480_000 + [rng.randrange(1, 15_113) for _ in range(120_000)]
    by_price: dict[int, int] = {}
    for price in prices:
        by_price[price] = by_price.get(price, 0) + rng.randrange(1_000, 400_000)
    steps = sorted(by_price.items())
    data = toy_data(q_upper_kw=188_813_656, target_kw=189_966_340, q_zero_kw=195_652_080,
                    fixed_supply_kw=25_983_590, steps=steps, national_price=12_388, awarded_kw=1)
    svg = str(render_svg(data))
    assert len(steps) > 10_000
    assert len(svg.encode()) < 200_000
    line = points(parse(svg), "supply")
    assert len(line) <= 2 * (result_chart.PLOT_W + result_chart.PLOT_H) + 2
    assert all(b[0] >= a[0] and b[1] <= a[1] for a, b in zip(line, line[1:], strict=False))


def test_the_table_fallback_lists_exact_values():
    rows = table_rows(toy_data())
    with translation.override("en"):
        rows = table_rows(toy_data())
    assert ("Demand curve", 900, "15,112.5") in rows and ("Demand curve", 1100, "0") in rows
    assert ("Supply offered at or below this price", 1050, "12,000") in rows
    assert ("Supply offered at or below this price", 700, "2,000") in rows
    assert rows[-1] == ("National clearing point", 1050, "12,000")


def test_no_float_reaches_the_chart_data():
    with pytest.raises(TypeError):
        result_chart._exact(1.5)


@pytest.mark.django_db
def test_a_stored_run_is_drawn_from_its_outcomes_without_the_dr_cap_exclusions(operator_a, user_a, occto_admin):
    auction = small_auction(dr_cap_kw=60_000)
    for kw, price, category in ((300_000, 0, "stable"), (50_000, 9_000, "dispatch"), (50_000, 9_500, "dispatch"),
                                (100_000, 11_000, "stable")):
        resource = ResourceFactory(operator=operator_a, category=category, installed_kw=max(kw, 150_000))
        ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=kw)
        BidFactory(auction=auction, resource=resource, quantity_kw=kw, price_yen=price, submitted_by=user_a)
    run = store_run(auction, started_by=occto_admin, publish=True)
    data = result_chart.chart_data(run)
    assert data.steps == [(0, 300_000), (9_000, 50_000), (11_000, 100_000)]  # the 9,500 dispatch bid is excluded
    assert data.fixed_supply_kw == 100_000 and data.upper_price == Fraction("15112.5")
    assert data.national_price == run.national_price
    parse(result_chart.supply_demand_svg(run))
