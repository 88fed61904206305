"""Every setting is declared once, in capacity_market/settings.py, and every environment variable it reads is listed
in docs/configuration.md. Code reads `settings.X`: reading it through getattr() with a default would be a second
default, silently out of step with the declared one (style.md, "What to stop doing")."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_OURS = {".git", ".venv", ".var", ".ruff_cache", "node_modules", "staticfiles", "capacity_market.egg-info"}


def project_python_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in NOT_OURS]
        yield from (Path(folder) / f for f in files if f.endswith(".py"))


def test_no_code_reads_a_setting_through_getattr_with_a_default():
    pattern = re.compile(r"getattr\(\s*(django_)?settings\s*,")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in project_python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], "declare the setting in capacity_market/settings.py and read settings.X"


def test_every_environment_variable_of_the_settings_is_documented():
    settings_source = (ROOT / "capacity_market" / "settings.py").read_text(encoding="utf-8")
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    assert names, "no env reads found: has settings.py stopped using django-environ?"
    assert sorted(name for name in names if f"`{name}`" not in documented) == []
