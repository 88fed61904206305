"""Friction item 11 (admin part): no raw codes in the registration, tenants and accounts admin pages: the applicant's
language by its name, licences by their labels, OCCTO roles by their names."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from capacity_market.roles import OCCTO_REVIEWER_GROUP
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_review_page_names_the_applicants_language(reviewer, client_for, use_application):
    body = client_for(reviewer).get(
        reverse("admin:registration_operatorapplication_change", args=[use_application.pk])).content.decode()
    assert '<th scope="row">申請者の言語</th><td>日本語</td>' in body
    assert "<td>ja</td>" not in body


def test_the_operator_admin_shows_licences_by_their_labels(occto_admin, client_for):
    operator = factories.OperatorFactory(licence_types=["generation", "negawatt"])
    client = client_for(occto_admin)
    detail = client.get(reverse("admin:tenants_operator_change", args=[operator.pk])).content.decode()
    assert "発電事業者" in detail and "ネガワット事業者" in detail
    assert "generation" not in detail and "negawatt" not in detail
    listing = client.get(reverse("admin:tenants_operator_changelist")).content.decode()
    assert "発電事業者, ネガワット事業者" in listing


def test_the_user_admin_names_the_occto_roles(occto_admin, reviewer, client_for):
    client = client_for(occto_admin)
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "広域機関の審査担当" in listing and "occto_reviewer" not in listing
    detail = client.get(reverse("admin:accounts_user_change", args=[reviewer.pk])).content.decode()
    assert "広域機関の審査担当" in detail and ">occto_reviewer<" not in detail
    group = Group.objects.get(name=OCCTO_REVIEWER_GROUP)
    filtered = client.get(reverse("admin:accounts_user_changelist"), {"group": str(group.pk)})
    assert filtered.status_code == 200 and reviewer.login_id in filtered.content.decode()
