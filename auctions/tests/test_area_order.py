"""Areas are listed north to south (北海道 → 九州) wherever an auction's data lists them (issue #9 §2 item 12):
the adjustment factors on the auction's page and in its admin, and the admin lists sorted by area."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from auctions.models import AdjustmentFactor
from capacity_market.market_codes import AREA_CODES
from tests.factories import AuctionFactory, ResourceFactory

pytestmark = pytest.mark.django_db

# Alphabetical by code, the order the database gave before.
SHUFFLED = sorted(area.code for area in AREA_CODES)
NORTH_TO_SOUTH_JA = [area.name_ja for area in AREA_CODES]


@pytest.fixture
def auction_with_factors(db):
    auction = AuctionFactory(delivery_fiscal_year=2030)
    for generation_type in ("wind", "solar"):  # wind first and alphabetically after solar: declared order wins
        for n, area in enumerate(SHUFFLED):
            AdjustmentFactor.objects.create(auction=auction, generation_type=generation_type, area=area,
                                            factor=Decimal("0.1") + Decimal(n) / 100)
    return auction


def _areas_in(html: str, section: str) -> list[str]:
    names = "|".join(NORTH_TO_SOUTH_JA)
    return re.findall(rf">({names})<", html[html.index(section):])


def test_the_auction_page_lists_adjustment_factors_by_type_then_area_north_to_south(client_for, user_a,
                                                                                    auction_with_factors):
    page = client_for(user_a).get(reverse("auctions:detail", kwargs={"pk": auction_with_factors.pk})).content.decode()
    table = page[page.index("調整係数"):]
    assert table.index("太陽光") < table.index("風力"), "solar is declared before wind"
    assert _areas_in(page, "調整係数") == NORTH_TO_SOUTH_JA * 2


def test_the_auction_admin_lists_its_adjustment_factors_north_to_south(client_for, occto_admin, auction_with_factors):
    page = client_for(occto_admin).get(
        reverse("admin:auctions_auction_change", args=[auction_with_factors.pk])).content.decode()
    inline = page[page.index('id="adjustment_factors-group"'):]
    selected = re.findall(r'<option value="(\w+)" selected>', inline)
    areas = [code for code in selected if code in SHUFFLED]
    assert areas == [area.code for area in AREA_CODES] * 2


def test_the_resource_admin_sorts_by_area_north_to_south(client_for, reviewer, operator_a, user_a):
    for area, code in (("kyushu", "09"), ("hokkaido", "01"), ("chubu", "04"), ("tohoku", "02")):
        ResourceFactory(operator=operator_a, submitted_by=user_a, area=area, grid_code=f"{code}{'0' * 19}1")
    changelist = reverse("admin:registration_resource_changelist")
    page = client_for(reviewer).get(changelist + "?o=3").content.decode()  # the fourth column (from 0): area
    rows = page[page.index('id="result_list"'):]
    assert re.findall(r'<td class="field-area_label">(\w+)</td>', rows) == ["北海道", "東北", "中部", "九州"]
    page = client_for(reviewer).get(changelist + "?o=-3").content.decode()
    rows = page[page.index('id="result_list"'):]
    assert re.findall(r'<td class="field-area_label">(\w+)</td>', rows) == ["九州", "中部", "東北", "北海道"]
