"""The wording every page shares (issue #9 §2, items 8, 10 and 11), checked on every page of the URL × persona
matrix (`tests/test_access_matrix.py` builds the world: one object of everything, through the services):

- the document title is "<page> | 容量市場システム" (item 8: it used to run into the site name);
- Japanese pages write ユーザ, the terms' spelling, never with the long mark (item 11; Django's and allauth's own Japanese is
  overridden in `locale/ja`, see `tests/test_translation_overrides.py`);
- English pages show no Japanese auction name and no 「・」 between English words (item 10).
"""

import re
from pathlib import Path

import pytest

from tests import test_access_matrix as matrix
from tests.test_access_matrix import MATRIX, PERSONAS, url_for

# The matrix's world (one object of everything, built once per module), as fixtures of this module too.
_world_once, world = matrix._world_once, matrix.world

# The personas whose pages cover every page: a visitor, an operator's administrator, OCCTO's administrator.
CRAWLERS = ("anonymous", "admin_a", "occto_admin")
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
LONG_SPELLING = "ユーザ" + "ー"  # spelled apart so that the file scan below does not find this file


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


def test_japanese_pages_write_ユーザ_without_the_long_mark(world):
    problems = []
    for key, persona in PAGES:
        html = _html(world.client(persona).get(url_for(key, world), HTTP_ACCEPT_LANGUAGE="ja"))
        if html is not None and LONG_SPELLING in html:
            at = html.index(LONG_SPELLING)
            problems.append(f"{key} as {persona}: …{html[max(0, at - 80):at + 20]}…")
    assert not problems, "\n".join(problems)


def test_a_staff_members_admin_page_writes_ユーザ(world):
    """The admin's fields of an OCCTO staff member (superuser status, groups, permissions) are Django's own wording."""
    staff = world.people["reviewer"]
    page = world.client("occto_admin").get(f"/admin/accounts/user/{staff.pk}/change/", HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ユーザ" in html and LONG_SPELLING not in html


# --- the files themselves: catalogues, templates, mails and documents ---------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def _our_files():
    skip = {".venv", ".var", ".git", "node_modules", "test-artifacts", "__pycache__"}
    for path in ROOT.rglob("*"):
        if path.is_file() and not skip & set(path.relative_to(ROOT).parts) and path.suffix in (
                ".po", ".html", ".txt", ".md", ".py", ".csv", ".json"):
            yield path


def test_no_catalogue_template_mail_or_document_writes_the_long_spelling():
    offenders = [str(path.relative_to(ROOT)) for path in _our_files()
                 if LONG_SPELLING in path.read_text(encoding="utf-8", errors="ignore")]
    assert not offenders, f"write ユーザ (the terms' spelling): {offenders}"


WITHDRAW_LONG = "取り" + "下げ"  # spelled apart so that the scan below does not find this file


def test_withdraw_is_written_取下げ_everywhere():
    """One word for withdrawing (item 6): 取下げ, 取下げる, 取下げ済み — never the form with り."""
    offenders = [str(path.relative_to(ROOT)) for path in _our_files() if path.suffix != ".py"
                 and WITHDRAW_LONG in path.read_text(encoding="utf-8", errors="ignore")]
    assert not offenders, f"write 取下げ: {offenders}"


# English labels are in sentence case: "Expected capacity", never "Expected Capacity". Proper nouns and the words
# that follow them are allowed.
PROPER = re.compile(r"Capacity Market System|Organization for Cross-regional Coordination of Transmission Operators|New Year|Net CONE|OCCTO|FIT|FIP|JST|CSV|Japan|Shift_JIS|Excel|"
                    r"Hokkaido|Tohoku|Tokyo|Chubu|Hokuriku|Kansai|Chugoku|Shikoku|Kyushu")
TITLE_CASE = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")


def test_english_labels_are_in_sentence_case():
    from tests.test_catalogues import CATALOGUES, entries

    offenders = sorted({entry["msgid"] for po in CATALOGUES for entry in entries(po)
                        if TITLE_CASE.search(PROPER.sub("", entry["msgid"]))})
    assert not offenders, offenders


def test_the_title_filter_adds_the_separator_only_after_a_title():
    from django.template import Context, Template

    template = Template('{% load page_title %}{% filter page_title:"容量市場システム" %}{{ title }}{% endfilter %}')
    assert template.render(Context({"title": "ログイン"})) == "ログイン | 容量市場システム"
    assert template.render(Context({"title": ""})) == "容量市場システム"
    assert template.render(Context({"title": "<b>&"})) == "&lt;b&gt;&amp; | 容量市場システム"
