"""The market's order of areas (北海道 → 九州), never the codes' alphabetical order (issue #9 §2 item 12)."""

from capacity_market.market_codes import AREAS
from capacity_market.ordering import area_rank, by_area


def test_areas_sort_north_to_south_not_alphabetically():
    shuffled = ["kyushu", "chubu", "hokkaido", "tokyo", "shikoku", "tohoku", "kansai", "hokuriku", "chugoku"]
    assert by_area(shuffled) == list(AREAS)
    assert by_area(shuffled)[:3] == ["hokkaido", "tohoku", "tokyo"]
    assert sorted(shuffled) != list(AREAS), "the codes' own order is not the market's"


def test_an_unknown_code_sorts_last():
    assert by_area(["okinawa", "kyushu", "hokkaido"]) == ["hokkaido", "kyushu", "okinawa"]
    assert area_rank("okinawa") == len(AREAS)
