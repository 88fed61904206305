"""Resource applications through the services: new, change, deletion, decisions, uniqueness and guards."""

import datetime

import pytest
from django.utils import translation

from capacity_market import review
from capacity_market.errors import DomainError
from capacity_market.models import AuditEntry
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import Resource, ResourceApplication
from tests.factories import ResourceFactory, unit

from .resource_data import aggregate_values, resource_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Japanese catalogue is checked by the page tests."""
    with translation.override("en"):
        yield


def test_a_new_application_is_submitted_and_creates_nothing_until_approved(operator_a, user_a, reviewer):
    application = services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                           values=resource_values())
    assert application.status == ReviewStatus.SUBMITTED
    assert not Resource.objects.exists()
    services.approve_resource_application(application=application, actor=reviewer,
                                          expected_version=application.version)
    resource = Resource.objects.get()
    assert resource.operator == operator_a and resource.installed_kw == 150_000
    assert AuditEntry.objects.filter(action="registration.resource_created").exists()


def test_approving_an_aggregate_writes_the_master_and_its_units(operator_a, user_a, reviewer):
    members = [unit(600), unit(700)]
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, units=members,
                               **{k: v for k, v in aggregate_values(members).items() if k != "grid_code"})
    assert sorted(u.installed_kw for u in resource.units.all()) == [600, 700]


def test_an_invalid_resource_is_refused_with_every_violation(operator_a, user_a):
    with pytest.raises(services.ResourceInvalid) as refused:
        services.submit_new_resource_application(
            operator=operator_a, actor=user_a,
            values=resource_values(grid_code="12", installed_kw=0, fit_status="fit"),
        )
    assert {f for f, _m in refused.value.violations} == {"grid_code", "installed_kw", "support_end_date"}
    assert not ResourceApplication.objects.exists()


def test_a_grid_code_is_unique_against_masters_and_open_applications(operator_a, operator_b, user_a, user_b,
                                                                     reviewer):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    with pytest.raises(services.ResourceInvalid, match="already registered"):
        services.submit_new_resource_application(operator=operator_b, actor=user_b,
                                                 values=resource_values(grid_code=resource.grid_code))
    pending = services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    with pytest.raises(services.ResourceInvalid, match="already registered"):
        services.submit_new_resource_application(operator=operator_b, actor=user_b,
                                                 values=resource_values(grid_code=pending.grid_code))
    services.withdraw_resource_application(application=pending, actor=user_a, expected_version=pending.version)
    services.submit_new_resource_application(operator=operator_b, actor=user_b,
                                             values=resource_values(grid_code=pending.grid_code))


def test_a_member_unit_grid_code_is_unique_against_other_resources_units(operator_a, user_a, reviewer):
    members = [unit(600), unit(700)]
    ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, units=members,
                    **{k: v for k, v in aggregate_values(members).items() if k != "grid_code"})
    again = [unit(600, code=members[0]["grid_code"]), unit(700)]
    with pytest.raises(services.ResourceInvalid, match="Member unit 1"):
        services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                 values=aggregate_values(again), units=again)


def test_another_operators_user_cannot_apply_for_the_operator(operator_a, user_b):
    with pytest.raises(review.NotAllowed):
        services.submit_new_resource_application(operator=operator_a, actor=user_b, values=resource_values())
    assert not ResourceApplication.objects.exists()


def test_a_change_is_applied_only_on_approval_and_keeps_the_comparison(operator_a, user_a, reviewer):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    change = services.submit_resource_change_application(
        resource=resource, actor=user_a, values={**resource.info_values(), "name": "新しい名前"})
    resource.refresh_from_db()
    assert resource.name == "みらい火力1号機"
    rows = {label: (cur, new) for label, cur, new in change.comparison_rows()}
    assert rows["resource name"] == ("みらい火力1号機", "新しい名前")
    services.approve_resource_application(application=change, actor=reviewer, expected_version=change.version)
    resource.refresh_from_db()
    assert resource.name == "新しい名前"


def test_a_change_that_changes_nothing_or_while_another_is_open_is_refused(operator_a, user_a, reviewer):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    with pytest.raises(DomainError, match="Nothing differs"):
        services.submit_resource_change_application(resource=resource, actor=user_a,
                                                    values=resource.info_values())
    services.submit_resource_change_application(resource=resource, actor=user_a,
                                                values={**resource.info_values(), "name": "A"})
    with pytest.raises(services.OpenApplicationExists):
        services.submit_resource_change_application(resource=resource, actor=user_a,
                                                    values={**resource.info_values(), "name": "B"})


def test_a_change_can_replace_the_member_units(operator_a, user_a, reviewer):
    members = [unit(600), unit(700)]
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, units=members,
                               **{k: v for k, v in aggregate_values(members).items() if k != "grid_code"})
    new_members = [members[0], unit(900)]
    change = services.submit_resource_change_application(
        resource=resource, actor=user_a, values={**resource.info_values(), "installed_kw": 1500}, units=new_members)
    services.approve_resource_application(application=change, actor=reviewer, expected_version=change.version)
    assert sorted(u.installed_kw for u in resource.units.all()) == [600, 900]
    assert Resource.objects.get(pk=resource.pk).installed_kw == 1500


def test_the_reviewer_sees_each_member_unit_on_its_own_line(operator_a, user_a, reviewer, client_for):
    from django.urls import reverse

    members = [unit(600), unit(700)]
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, units=members,
                               **{k: v for k, v in aggregate_values(members).items() if k != "grid_code"})
    change = services.submit_resource_change_application(
        resource=resource, actor=user_a, values={**resource.info_values(), "installed_kw": 1500},
        units=[members[0], unit(900)])
    page = client_for(reviewer).get(
        reverse("admin:registration_resourceapplication_change", args=[change.pk])).content.decode()
    first, second = (u.unit_display() for u in resource.units.order_by("pk"))
    assert f"{first}<br>{second}" in page


def test_deletion_is_for_the_operator_admin_and_deactivates_on_approval(operator_a, admin_a, user_a, reviewer):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    with pytest.raises(review.NotAllowed):
        services.submit_resource_deletion_application(resource=resource, actor=user_a)
    deletion = services.submit_resource_deletion_application(resource=resource, actor=admin_a, reason="廃止")
    services.approve_resource_application(application=deletion, actor=reviewer, expected_version=deletion.version)
    resource.refresh_from_db()
    assert not resource.is_active and resource.deleted_at is not None
    # the grid code of a deleted resource may be registered again
    services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                             values=resource_values(grid_code=resource.grid_code))


def test_a_deletion_guard_refuses_deletion_with_its_reason_both_at_application_and_at_approval(
        operator_a, admin_a, user_a, reviewer, monkeypatch):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    deletion = services.submit_resource_deletion_application(resource=resource, actor=admin_a)
    held = {resource.pk}
    monkeypatch.setattr(services, "_deletion_guards", [])

    @services.register_deletion_guard
    def has_bids(r):
        return "This resource has bids." if r.pk in held else None

    with pytest.raises(DomainError, match="has bids"):
        services.approve_resource_application(application=deletion, actor=reviewer,
                                              expected_version=deletion.version)
    resource.refresh_from_db()
    assert resource.is_active
    services.withdraw_resource_application(application=deletion, actor=admin_a,
                                           expected_version=ResourceApplication.objects.get(pk=deletion.pk).version)
    with pytest.raises(DomainError, match="has bids"):
        services.submit_resource_deletion_application(resource=resource, actor=admin_a)


def test_a_returned_application_is_corrected_and_resubmitted(operator_a, user_a, reviewer):
    application = services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                           values=resource_values())
    review.send_back(application=application, actor=reviewer, comment="名称を確認してください",
                     expected_version=application.version)
    with pytest.raises(services.ResourceInvalid):
        services.resubmit_resource_application(application=application, actor=user_a,
                                               values={**application.info_values(), "installed_kw": 0},
                                               expected_version=application.version)
    services.resubmit_resource_application(application=application, actor=user_a,
                                           values={**application.info_values(), "name": "正しい名前"},
                                           expected_version=application.version)
    application.refresh_from_db()
    assert application.status == ReviewStatus.SUBMITTED and application.name == "正しい名前"


def test_approval_rechecks_the_grid_code_taken_meanwhile(operator_a, user_a, reviewer):
    first = services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    services.withdraw_resource_application(application=first, actor=user_a, expected_version=first.version)
    second = services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                      values=resource_values(grid_code=first.grid_code))
    services.approve_resource_application(application=second, actor=reviewer, expected_version=second.version)
    assert Resource.objects.filter(grid_code=first.grid_code).count() == 1


def test_a_stable_battery_of_two_hours_is_refused_and_of_three_accepted(operator_a, user_a):
    with pytest.raises(services.ResourceInvalid, match="3 hours"):
        services.submit_new_resource_application(
            operator=operator_a, actor=user_a,
            values=resource_values(generation_type="battery", continuous_output_hours=2))
    services.submit_new_resource_application(
        operator=operator_a, actor=user_a, values=resource_values(generation_type="battery",
                                                                  continuous_output_hours=3))


def test_a_fit_resource_registers_with_its_end_date(operator_a, user_a):
    application = services.submit_new_resource_application(
        operator=operator_a, actor=user_a,
        values=resource_values(category="variable", generation_type="solar", fit_status="fit",
                               support_end_date=datetime.date(2030, 3, 31)))
    assert application.kind == ApplicationKind.NEW
