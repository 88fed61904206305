"""A resource's installed capacity may not drop below its expected capacity in an auction still open to clearing."""

import pytest

from auctions.models import ExpectedCapacity
from capacity_market.errors import DomainError
from registration import services as registration_services
from registration.models import Resource
from tests.factories import ExpectedCapacityFactory

pytestmark = pytest.mark.django_db


def _change(resource, user, installed_kw):
    values = {**resource.info_values(), "installed_kw": installed_kw}
    return registration_services.submit_resource_change_application(resource=resource, actor=user, values=values)


def test_a_change_below_an_approved_expected_capacity_is_refused_at_approval(operator_a, user_a, reviewer):
    qualification = ExpectedCapacityFactory(resource__operator=operator_a, expected_kw=100_000)
    resource = qualification.resource
    application = _change(resource, user_a, 50_000)
    with pytest.raises(DomainError, match="100,000"):
        registration_services.approve_resource_application(application=application, actor=reviewer,
                                                           expected_version=application.version)
    assert Resource.objects.get(pk=resource.pk).installed_kw == resource.installed_kw


def test_a_change_that_keeps_the_expected_capacity_within_installed_is_approved(operator_a, user_a, reviewer):
    qualification = ExpectedCapacityFactory(resource__operator=operator_a, expected_kw=100_000)
    resource = qualification.resource
    application = _change(resource, user_a, 120_000)
    registration_services.approve_resource_application(application=application, actor=reviewer,
                                                       expected_version=application.version)
    assert Resource.objects.get(pk=resource.pk).installed_kw == 120_000
    assert ExpectedCapacity.objects.get(pk=qualification.pk).expected_kw == 100_000
