"""Issue #9, friction 7: kW and yen read the same everywhere — 「50,000」 on the resource list, detail and admin
pages as elsewhere, kW (never "KW"), one set of filters (capacity_market/templatetags/numbers.py)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import ResourceFactory

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for p in ROOT.rglob("*") if p.suffix in {".html", ".txt", ".py", ".po"}
           and not {".venv", ".var", "node_modules", "test-artifacts", ".git"} & set(p.parts)]


def test_no_template_formats_numbers_another_way():
    """`humanize`'s intcomma printed "None" for an empty value and is a second way: the numbers filters only."""
    offenders = [str(p.relative_to(ROOT)) for p in SOURCES if p.suffix in {".html", ".txt"}
                 and re.search(r"\bintcomma\b|load [^%]*\bhumanize\b", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_unit_is_written_kw_never_uppercase():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES if p.name != Path(__file__).name
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"(?<![A-Za-z_])(\d|\s|\(|（|万)KW\b", line)]
    assert offenders == []


@pytest.mark.django_db
def test_installed_capacity_has_separators_on_the_resource_list_and_detail(client_for, operator_a, user_a):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, installed_kw=50_000)
    client = client_for(user_a)
    listing = client.get(reverse("registration:resource_list")).content.decode()
    assert '<td class="num">50,000</td>' in listing and ">50000<" not in listing
    detail = client.get(reverse("registration:resource_detail", kwargs={"pk": resource.pk})).content.decode()
    assert "<td>50,000</td>" in detail and ">50000<" not in detail


@pytest.mark.django_db
def test_installed_capacity_has_separators_in_the_admin_list_and_change_page(client_for, occto_admin, operator_a,
                                                                          user_a):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, installed_kw=50_000)
    client = client_for(occto_admin)
    listing = client.get(reverse("admin:registration_resource_changelist")).content.decode()
    assert re.search(r'<td class="field-installed_kw[^"]*">50,000</td>', listing), listing
    assert "?o=" in listing  # the column still sorts
    page = client.get(reverse("admin:registration_resource_change", args=[resource.pk])).content.decode()
    assert re.search(r'<div class="readonly">50,000</div>', page) and ">50000<" not in page
    queue = client.get(reverse("admin:registration_resourceapplication_changelist")).content.decode()
    assert re.search(r'<td class="field-installed_kw[^"]*">50,000</td>', queue)
