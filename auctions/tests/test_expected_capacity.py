"""Expected-capacity applications: the rules, the review, the qualification and the deletion guard."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from auctions.models import ExpectedCapacity, ExpectedCapacityApplication
from auctions.qualification import services
from capacity_market import review
from capacity_market.errors import DomainError
from capacity_market.models import AuditEntry
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services as registration_services
from registration.models import Resource
from tests.factories import AuctionFactory, ResourceFactory, unit

from .conftest import apply, approve, jst

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here (the Japanese ones are tested on the pages)."""
    with translation.override("en"):
        yield


def test_a_stable_resource_applies_with_a_value_up_to_its_installed_capacity(auction, resource_a, user_a):
    application = apply(auction, resource_a, user_a, 150_000)
    assert (application.status, application.kind, application.expected_kw) == ("submitted", "new", 150_000)
    assert application.adjustment_factor is None and application.working == ""


def test_more_than_the_installed_capacity_is_refused(auction, resource_a, user_a):
    with pytest.raises(DomainError, match="installed"):
        apply(auction, resource_a, user_a, 150_001)
    assert not ExpectedCapacityApplication.objects.exists()


@pytest.mark.parametrize("kw", [0, -5, None])
def test_no_or_a_non_positive_value_is_refused(auction, resource_a, user_a, kw):
    with pytest.raises(DomainError):
        apply(auction, resource_a, user_a, kw)


def test_a_stable_resource_needs_at_least_1000_kw(auction, resource_a, user_a):
    with pytest.raises(DomainError, match="1,000"):
        apply(auction, resource_a, user_a, 999)


def test_a_variable_resource_gets_installed_times_the_factor_truncated_whatever_is_typed(auction, solar_a, user_a):
    application = apply(auction, solar_a, user_a, 4_000)
    # 4,321 × 0.2345 = 1,013.2745 → 1,013
    assert application.expected_kw == 1_013
    assert application.adjustment_factor == Decimal("0.2345")
    assert application.working == "4,321 kW × 0.2345 = 1,013 kW"


def test_an_aggregated_variable_resource_is_computed_too(auction, operator_a, user_a):
    members = [unit(667, area="tohoku", generation_type="wind") for _ in range(3)]
    resource = ResourceFactory(operator=operator_a, category="variable_aggregate", generation_type="wind",
                               area="tohoku", installed_kw=2_001, units=members)
    assert apply(auction, resource, user_a).expected_kw == 1_000


def test_a_variable_resource_without_a_factor_for_its_type_and_area_is_refused(auction, operator_a, user_a):
    resource = ResourceFactory(operator=operator_a, category="variable", generation_type="solar", area="kyushu",
                               installed_kw=5_000)
    with pytest.raises(DomainError, match="adjustment factor"):
        apply(auction, resource, user_a)


def test_applications_are_refused_before_the_registration_window_and_after_the_deadline(resource_a, user_a):
    future = AuctionFactory(registration_opens_at=jst(2026, 11, 26, 9, 0))
    past = AuctionFactory(registration_opens_at=jst(2026, 11, 2, 9, 0), expected_capacity_deadline=jst(2026, 11, 25, 9))
    for auction in (future, past):
        with pytest.raises(DomainError, match="registration window"):
            apply(auction, resource_a, user_a, 100_000)


def test_applications_are_refused_outside_service_hours(auction, resource_a, user_a):
    with time_machine.travel(jst(2026, 11, 25, 18, 0, 1), tick=False), \
            pytest.raises(DomainError, match="service hours"):
        apply(auction, resource_a, user_a, 100_000)


def test_another_operators_user_cannot_apply_for_the_resource(auction, resource_a, user_b):
    with pytest.raises(review.NotAllowed):
        apply(auction, resource_a, user_b, 100_000)


def test_a_deleted_resource_cannot_apply(auction, operator_a, user_a):
    resource = ResourceFactory(operator=operator_a, is_active=False)
    with pytest.raises(DomainError, match="deleted"):
        apply(auction, resource, user_a, 100_000)


def test_only_one_application_per_resource_and_auction_is_open_at_a_time(auction, resource_a, user_a):
    apply(auction, resource_a, user_a, 100_000)
    with pytest.raises(DomainError, match="open expected-capacity application"):
        apply(auction, resource_a, user_a, 90_000)
    other = AuctionFactory()
    assert apply(other, resource_a, user_a, 90_000).status == ReviewStatus.SUBMITTED


def test_approval_grants_the_qualification_and_is_audited(auction, resource_a, user_a, reviewer):
    application = approve(apply(auction, resource_a, user_a, 120_000), reviewer)
    assert application.status == ReviewStatus.APPROVED
    qualification = ExpectedCapacity.objects.get(resource=resource_a, auction=auction)
    assert qualification.expected_kw == 120_000 and qualification.application == application
    assert AuditEntry.objects.filter(action="auctions.expected_capacity_approved").count() == 1


def test_a_later_application_is_a_change_and_its_approval_updates_the_qualification(auction, resource_a, user_a,
                                                                                     reviewer):
    approve(apply(auction, resource_a, user_a, 120_000), reviewer)
    change = apply(auction, resource_a, user_a, 110_000)
    assert change.kind == ApplicationKind.CHANGE
    assert change.comparison_rows()[0][1:] == ("120,000", "110,000")
    assert ExpectedCapacity.objects.get().expected_kw == 120_000  # unchanged until approved
    approve(change, reviewer)
    assert ExpectedCapacity.objects.get().expected_kw == 110_000


def test_a_change_to_the_same_value_is_refused(auction, resource_a, user_a, reviewer):
    approve(apply(auction, resource_a, user_a, 120_000), reviewer)
    with pytest.raises(DomainError, match="already the approved"):
        apply(auction, resource_a, user_a, 120_000)


def test_a_rejected_or_returned_application_grants_nothing(auction, resource_a, user_a, reviewer):
    application = apply(auction, resource_a, user_a, 120_000)
    review.reject(application=application, actor=reviewer, comment="根拠資料が不足しています。",
                  expected_version=application.version)
    assert not ExpectedCapacity.objects.exists()


def test_a_returned_application_is_corrected_and_resubmitted(auction, resource_a, user_a, reviewer):
    application = apply(auction, resource_a, user_a, 120_000)
    review.send_back(application=application, actor=reviewer, comment="値をご確認ください。",
                     expected_version=application.version)
    services.resubmit_expected_capacity_application(application=application, actor=user_a, expected_kw=100_000,
                                                    expected_version=application.version)
    application.refresh_from_db()
    assert (application.status, application.expected_kw) == (ReviewStatus.SUBMITTED, 100_000)


def test_the_applicant_withdraws_an_open_application(auction, resource_a, user_a):
    application = apply(auction, resource_a, user_a, 120_000)
    services.withdraw_expected_capacity_application(application=application, actor=user_a,
                                                    expected_version=application.version)
    assert application.status == ReviewStatus.WITHDRAWN


def test_there_is_no_deletion_application_for_expected_capacity(auction, resource_a, operator_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpectedCapacityApplication.objects.create(kind=ApplicationKind.DELETION, operator=operator_a,
                                                   auction=auction, resource=resource_a, expected_kw=1_000,
                                                   installed_kw=150_000)


def test_a_resource_with_expected_capacity_cannot_be_deleted(auction, resource_a, admin_a, user_a, reviewer):
    application = apply(auction, resource_a, user_a, 120_000)
    assert registration_services.deletion_refusals(resource_a)  # open application
    approve(application, reviewer)
    refusals = registration_services.deletion_refusals(resource_a)
    assert any("expected capacity" in reason for reason in refusals)
    with pytest.raises(DomainError):
        registration_services.submit_resource_deletion_application(resource=resource_a, actor=admin_a)


def test_a_resource_without_expected_capacity_has_no_refusal_from_auctions(auction, resource_a):
    assert services.resource_deletion_refusal(resource_a) is None


@pytest.mark.parametrize(("fit_status", "end", "allowed"), [
    ("fit", datetime.date(2030, 3, 31), True), ("fit", datetime.date(2030, 4, 1), False), ("fit", None, False),
    ("fip", datetime.date(2031, 3, 31), False), ("none", None, True)])
def test_fit_resources_take_part_only_when_support_ends_before_the_delivery_year(auction, operator_a, user_a,
                                                                                 fit_status, end, allowed):
    resource = ResourceFactory(operator=operator_a, category="variable", generation_type="wind", area="tohoku",
                               installed_kw=4_000, fit_status=fit_status,
                               support_end_date=end or (datetime.date(2030, 3, 31) if fit_status != "none" else None))
    if end is None and fit_status != "none":  # registration now refuses this; older data may still hold it
        Resource.objects.filter(pk=resource.pk).update(support_end_date=None)
        resource.refresh_from_db()
    if allowed:
        assert apply(auction, resource, user_a).expected_kw == 2_000
    else:
        with pytest.raises(DomainError, match="FIT"):
            apply(auction, resource, user_a)
