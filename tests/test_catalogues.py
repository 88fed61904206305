"""Every string of our Japanese catalogues is translated: no empty msgstr, no fuzzy entry, and the compiled .mo
says what the .po says (Japanese is the first language; an untranslated string would show in English)."""

import ast
import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(p for p in ROOT.glob("*/locale/ja/LC_MESSAGES/django.po") if ".venv" not in p.parts) + [
    ROOT / "locale/ja/LC_MESSAGES/django.po"]


def entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgctxt, msgid, msgid_plural and msgstr / msgstr[n] (joined strings)."""
    found, current, key = [], {"flags": set()}, None

    def flush():
        nonlocal current
        if "msgid" in current:
            found.append(current)
        current = {"flags": set()}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,"):
            current["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            if key == "msgctxt" and "msgid" in current:
                flush()
            current[key] = ast.literal_eval(value)
    flush()
    return [e for e in found if e["msgid"]]  # the header entry has an empty msgid


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_none_is_fuzzy(po):
    problems = []
    for entry in entries(po):
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid']!r}")
        elif not translations or not all(translations):
            problems.append(f"untranslated: {entry['msgid']!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_matches_its_source(po):
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in entries(po):
        if "msgid_plural" in entry or "fuzzy" in entry["flags"]:
            continue
        context = entry.get("msgctxt")
        got = compiled.pgettext(context, entry["msgid"]) if context else compiled.gettext(entry["msgid"])
        if got != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert not stale, f"run `make messages` (compilemessages): {stale[:5]}"


def test_the_reader_sees_untranslated_multiline_plural_and_fuzzy_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: ja\\n"\n\n'
                  '#, fuzzy\nmsgid "A"\nmsgstr "あ"\n\n'
                  'msgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
                  'msgctxt "heading"\nmsgid "B"\nmsgstr "び"\n\n'
                  'msgid "one"\nmsgid_plural "many"\nmsgstr[0] ""\n', encoding="utf-8")
    found = {e["msgid"]: e for e in entries(po)}
    assert set(found) == {"A", "Long text", "B", "one"}
    assert "fuzzy" in found["A"]["flags"] and found["Long text"]["msgstr"] == ""
    assert found["B"]["msgctxt"] == "heading" and found["one"]["msgstr[0]"] == ""
    with pytest.raises(AssertionError, match="fuzzy: 'A'"):
        test_every_entry_is_translated_and_none_is_fuzzy(po)
