"""The area and category codes are defined once (`capacity_market.market_codes`) and the clearing engine, the model
choices and the CSV files use that one set; the engine still imports without Django."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.utils import translation

from auctions import clearing
from auctions.clearing import engine, io
from capacity_market import market_codes
from registration import resource_import
from registration.choices import Area, ResourceCategory

ROOT = Path(__file__).resolve().parents[1]

# The codes of clearing-format.md (shared docs), which the files exchanged with OCCTO staff use: never renamed.
DOCUMENTED_AREAS = ["hokkaido", "tohoku", "tokyo", "chubu", "hokuriku", "kansai", "chugoku", "shikoku", "kyushu"]
DOCUMENTED_CATEGORIES = ["stable", "variable", "variable_aggregate", "dispatch"]


def test_the_engine_and_the_model_choices_have_the_same_codes_in_the_same_order():
    assert set(clearing.AREAS) == set(engine.AREAS) == set(io.AREAS) == set(Area.values)
    assert set(clearing.CATEGORIES) == set(io.CATEGORIES) == set(ResourceCategory.values)
    assert engine.DISPATCH == ResourceCategory.DISPATCH
    # The order matters too: results list the areas and categories in this order.
    assert list(clearing.AREAS) == Area.values and list(clearing.CATEGORIES) == ResourceCategory.values


def test_the_codes_are_the_ones_of_the_clearing_format():
    assert list(market_codes.AREAS) == DOCUMENTED_AREAS
    assert list(market_codes.CATEGORIES) == DOCUMENTED_CATEGORIES


def _choice_fields(name: str):
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.name == name and getattr(field, "choices", None):
                yield f"{model._meta.label}.{field.name}", field
            elif field.name == f"{name}s" and isinstance(field, ArrayField) and field.base_field.choices:
                yield f"{model._meta.label}.{field.name}", field.base_field


def test_every_area_and_category_field_of_every_model_offers_exactly_the_codes():
    area_fields = dict(_choice_fields("area"))
    # (Other things are called "category" too, e.g. a notice's: only resource categories are meant here.)
    category_fields = {label: field for label, field in _choice_fields("category")
                       if {value for value, _label in field.choices} & set(market_codes.CATEGORIES)}
    # Resources, units, adjustment factors, bids, bid versions, short blocks and outcomes at least.
    assert {"registration.Resource.area", "auctions.Bid.area", "auctions.ShortBlock.areas"} <= set(area_fields)
    assert {"registration.Resource.category", "auctions.Bid.category"} <= set(category_fields)
    for label, field in area_fields.items():
        assert [value for value, _label in field.choices] == list(market_codes.AREAS), label
    for label, field in category_fields.items():
        assert [value for value, _label in field.choices] == list(market_codes.CATEGORIES), label


@pytest.mark.parametrize("choices, codes", [(Area, market_codes.AREA_CODES),
                                            (ResourceCategory, market_codes.CATEGORY_CODES)])
def test_the_labels_are_the_japanese_and_english_names_of_the_codes(choices, codes):
    with translation.override("ja"):
        assert [str(label) for label in choices.labels] == [code.name_ja for code in codes]
    with translation.override("en"):
        assert [str(label) for label in choices.labels] == [code.name for code in codes]
    assert [member.name for member in choices] == [code.code.upper() for code in codes]


def test_the_resource_csv_reads_and_writes_the_same_codes():
    parser = resource_import._RowParser()
    for code in market_codes.AREA_CODES:
        assert parser.areas[code.code] == parser.areas[code.name_ja] == parser.areas[code.name.lower()] == code.code
        assert resource_import.japanese_label(Area, code.code) == code.name_ja
    for code in market_codes.CATEGORY_CODES:
        assert parser.categories[code.code] == parser.categories[code.name_ja] == code.code
        assert resource_import.japanese_label(ResourceCategory, code.code) == code.name_ja


def test_the_engine_and_the_codes_import_without_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    script = ("import sys\n"
              "import capacity_market.market_codes, auctions.clearing, auctions.clearing.engine, auctions.clearing.io\n"
              "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery'))\n"
              "assert not loaded, loaded\n"
              "print(len(auctions.clearing.AREAS))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "9"

