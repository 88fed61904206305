"""The market's area and resource-category codes, defined once (domain.md §1, clearing-format.md).

Plain data and no Django, on purpose: the pure clearing engine (`auctions.clearing`) imports this without Django
installed or configured, `registration.choices` builds the model choices (`Area`, `ResourceCategory`) from it, and
so the bids of the database, the CSV files and the clearing-format JSON all speak the same codes. The codes are
the keys of the clearing-format files: never rename one (stored rows, published results and replay files use it).

Each code has its official Japanese name and an English name. The English name is the translatable label
(msgid): `registration.choices` wraps it in `gettext_lazy`; `gettext_noop` below only marks it for
`makemessages`, and `tests/test_market_codes.py` checks that the Japanese catalogue gives the Japanese
name.
"""

from typing import NamedTuple


def gettext_noop(message: str) -> str:
    """Marks a string for `makemessages` (a keyword it extracts) without importing Django."""
    return message


class MarketCode(NamedTuple):
    code: str  # the key stored in the database and written in the files, e.g. "tokyo"
    name_ja: str  # the official Japanese name, e.g. "東京"
    name: str  # the English name, also the msgid of the translated label


# The 9 areas of the market, in the order of the grid (north to south); Okinawa is outside the market.
AREA_CODES: tuple[MarketCode, ...] = (
    MarketCode("hokkaido", "北海道", gettext_noop("Hokkaido")),
    MarketCode("tohoku", "東北", gettext_noop("Tohoku")),
    MarketCode("tokyo", "東京", gettext_noop("Tokyo")),
    MarketCode("chubu", "中部", gettext_noop("Chubu")),
    MarketCode("hokuriku", "北陸", gettext_noop("Hokuriku")),
    MarketCode("kansai", "関西", gettext_noop("Kansai")),
    MarketCode("chugoku", "中国", gettext_noop("Chugoku")),
    MarketCode("shikoku", "四国", gettext_noop("Shikoku")),
    MarketCode("kyushu", "九州", gettext_noop("Kyushu")),
)

# The resource categories (区分).
CATEGORY_CODES: tuple[MarketCode, ...] = (
    MarketCode("stable", "安定電源", gettext_noop("Stable resource")),
    MarketCode("variable", "変動電源(単独)", gettext_noop("Variable resource (stand-alone)")),
    MarketCode("variable_aggregate", "変動電源(アグリゲート)", gettext_noop("Variable resource (aggregated)")),
    MarketCode("dispatch", "発動指令電源", gettext_noop("Dispatch-instruction resource")),
)

AREAS: tuple[str, ...] = tuple(area.code for area in AREA_CODES)
CATEGORIES: tuple[str, ...] = tuple(category.code for category in CATEGORY_CODES)

# The category the DR cap applies to (発動指令電源).
DISPATCH = "dispatch"
