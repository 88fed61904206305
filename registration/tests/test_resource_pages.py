"""The operator's resource pages and the OCCTO review of resource applications, per persona."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capacity_market.review import ReviewStatus
from registration import services
from registration.models import Resource, ResourceApplication
from tests.factories import ResourceFactory, grid_code, unit

from .resource_data import resource_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource_a(operator_a, user_a, reviewer):
    return ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)


def form_data(values: dict, units=(), extra_rows: int = 0, **extra) -> dict:
    data = {k: ("" if v is None else v) for k, v in values.items()}
    if data.get("can_adjust_output") is True:
        data["can_adjust_output"] = "on"
    else:
        data.pop("can_adjust_output", None)
    units = list(units)
    data.update({"units-TOTAL_FORMS": str(len(units) + extra_rows), "units-INITIAL_FORMS": "0",
                 "units-MIN_NUM_FORMS": "0", "units-MAX_NUM_FORMS": "2000"})
    for i, u in enumerate(units):
        for k, v in u.items():
            data[f"units-{i}-{k}"] = v
    data.update(extra)
    return data


def make_resources(operator, count: int) -> None:
    for n in range(count):
        ResourceFactory(operator=operator, name=f"電源{n}", area=("tokyo", "kansai")[n % 2])


# --- access per persona ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona,status", [("admin_a", 200), ("user_a", 200), ("user_b", 200),
                                            ("reviewer", 404)])
def test_the_resource_list_is_for_operator_users_only(request, client_for, persona, status, resource_a):
    response = client_for(request.getfixturevalue(persona)).get(reverse("registration:resource_list"))
    assert response.status_code == status
    if status == 200:
        assert (resource_a.grid_code in response.content.decode()) == (persona != "user_b")


def test_anonymous_visitors_are_sent_to_log_in(client, resource_a):
    for url in (reverse("registration:resource_list"), reverse("registration:resource_detail", args=[resource_a.pk]),
                reverse("registration:resource_new"), reverse("registration:resource_import")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("persona,status", [("admin_a", 200), ("user_a", 200), ("user_b", 404), ("reviewer", 404)])
def test_a_resource_and_its_application_are_visible_only_to_its_operator(request, client_for, persona, status,
                                                                          resource_a):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("registration:resource_detail", args=[resource_a.pk])).status_code == status
    application = resource_a.applications.get()
    assert client.get(reverse("registration:resource_application_detail",
                              args=[application.pk])).status_code == status
    assert client.get(reverse("registration:resource_change", args=[resource_a.pk])).status_code == status


def test_odd_ids_and_parameters_answer_404_or_are_ignored(client_for, user_a, resource_a):
    client = client_for(user_a)
    assert client.get("/registration/resources/99999999999999999999/").status_code == 404
    assert client.get(reverse("registration:resource_detail", args=[2**31])).status_code == 404
    response = client.get(reverse("registration:resource_list"), {"area": "x" * 5000, "page": "zz",
                                                                   "category": "<script>", "status": "1"})
    assert response.status_code == 200


def test_the_pages_render_in_japanese_by_default_and_in_english_on_request(client_for, user_a, resource_a):
    client = client_for(user_a)
    body = client.get(reverse("registration:resource_detail", args=[resource_a.pk])).content.decode()
    assert "安定電源" in body and "東京" in body
    client.post(reverse("set_language"), {"language": "en"})
    body = client.get(reverse("registration:resource_detail", args=[resource_a.pk])).content.decode()
    assert "Stable resource" in body and "Tokyo" in body


# --- the forms ----------------------------------------------------------------------------------------------
def test_a_user_registers_a_resource_by_form(client_for, user_a):
    values = resource_values()
    response = client_for(user_a).post(reverse("registration:resource_new"), form_data(values))
    application = ResourceApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:resource_application_detail", args=[application.pk])
    assert application.status == ReviewStatus.SUBMITTED and application.grid_code == values["grid_code"]


def test_a_user_registers_an_aggregate_with_its_units_by_form(client_for, user_a):
    units = [unit(600), unit(700)]
    values = resource_values(category="variable_aggregate", generation_type="solar", installed_kw=1300)
    response = client_for(user_a).post(reverse("registration:resource_new"), form_data(values, units, extra_rows=2))
    assert response.status_code == 302
    assert ResourceApplication.objects.get().units.count() == 2


def test_a_rule_violation_re_renders_the_form_with_its_message_and_saves_nothing(client_for, user_a):
    values = resource_values(category="stable", generation_type="battery", continuous_output_hours="2")
    response = client_for(user_a).post(reverse("registration:resource_new"), form_data(values))
    body = response.content.decode()
    assert response.status_code == 200
    assert "3時間以上の継続運転が必要です" in body
    assert not ResourceApplication.objects.exists()


def test_a_resource_below_1000_kw_installed_registers(client_for, user_a):
    """The category thresholds are on expected capacity per auction, not on installed capacity."""
    values = resource_values(installed_kw=999)
    response = client_for(user_a).post(reverse("registration:resource_new"), form_data(values))
    assert response.status_code == 302
    assert ResourceApplication.objects.get().installed_kw == 999


def test_an_aggregate_member_of_1000_kw_is_refused_on_the_form(client_for, user_a):
    units = [unit(1000), unit(300)]
    values = resource_values(category="variable_aggregate", generation_type="solar", installed_kw=1300)
    response = client_for(user_a).post(reverse("registration:resource_new"), form_data(values, units))
    assert response.status_code == 200 and "1,000 kW" in response.content.decode()
    assert not ResourceApplication.objects.exists()


HOURS_MESSAGE = "継続運転時間は0から24までの数値で入力してください（終日運転できる電源は24）。"
DATE_MESSAGE = "運転開始日は1900-01-01から2100-12-31までの日付で入力してください。"


@pytest.mark.parametrize("hours", ["-1", "-0.1", "24.1", "9999.9"])
def test_continuous_output_hours_outside_0_to_24_are_refused_on_the_form(client_for, user_a, hours):
    response = client_for(user_a).post(reverse("registration:resource_new"),
                                       form_data(resource_values(continuous_output_hours=hours)))
    assert response.status_code == 200
    assert response.context["form"].errors["continuous_output_hours"] == [HOURS_MESSAGE]
    assert HOURS_MESSAGE in response.content.decode()
    assert not ResourceApplication.objects.exists()


@pytest.mark.parametrize("hours", ["0", "24"])
def test_continuous_output_hours_of_0_and_24_are_accepted_on_the_form(client_for, user_a, hours):
    response = client_for(user_a).post(reverse("registration:resource_new"),
                                       form_data(resource_values(continuous_output_hours=hours)))
    assert response.status_code == 302
    assert ResourceApplication.objects.get().continuous_output_hours == int(hours)


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_an_implausible_commissioning_date_is_refused_on_the_form(client_for, user_a, day):
    response = client_for(user_a).post(reverse("registration:resource_new"),
                                       form_data(resource_values(commissioning_date=day)))
    assert response.status_code == 200
    assert response.context["form"].errors["commissioning_date"] == [DATE_MESSAGE]
    assert not ResourceApplication.objects.exists()


def test_the_change_form_refuses_the_same_bounds(client_for, user_a, resource_a):
    values = resource_a.info_values() | {"continuous_output_hours": "-1", "commissioning_date": "0001-01-01"}
    response = client_for(user_a).post(reverse("registration:resource_change", args=[resource_a.pk]),
                                       form_data(values))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["continuous_output_hours"] == [HOURS_MESSAGE] and errors["commissioning_date"] == [DATE_MESSAGE]
    assert resource_a.applications.count() == 1


@pytest.mark.parametrize("change", [{"continuous_output_hours": -1}, {"continuous_output_hours": 24.1},
                                    {"commissioning_date": "0001-01-01"}, {"commissioning_date": "9999-12-31"}])
def test_the_database_refuses_out_of_range_values_on_resources_and_applications(resource_a, change):
    from django.db import IntegrityError, transaction

    for model, pk in ((Resource, resource_a.pk), (ResourceApplication, resource_a.applications.get().pk)):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(**change)


def test_a_partly_filled_unit_row_and_a_missing_management_form_are_refused_without_error(client_for, user_a):
    client = client_for(user_a)
    values = resource_values(category="variable_aggregate", generation_type="solar", installed_kw=1300)
    data = form_data(values, [{"grid_code": grid_code(), "area": "", "generation_type": "", "installed_kw": ""}])
    assert client.post(reverse("registration:resource_new"), data).status_code == 200
    assert client.post(reverse("registration:resource_new"), {"name": "x" * 10000}).status_code == 200
    assert not ResourceApplication.objects.exists()


def test_a_change_by_form_opens_a_change_application_and_shows_both_values(client_for, user_a, resource_a):
    client = client_for(user_a)
    response = client.post(reverse("registration:resource_change", args=[resource_a.pk]),
                           form_data({**resource_a.info_values(), "name": "改名後"}))
    change = ResourceApplication.objects.get(kind="change")
    assert response.status_code == 302
    body = client.get(reverse("registration:resource_application_detail", args=[change.pk])).content.decode()
    assert "みらい火力1号機" in body and "改名後" in body


def test_deletion_is_offered_to_the_operator_admin_only_and_shows_guard_reasons(client_for, admin_a, user_a,
                                                                                resource_a, monkeypatch):
    url = reverse("registration:resource_delete", args=[resource_a.pk])
    assert client_for(user_a).get(url).status_code == 403
    monkeypatch.setattr(services, "_deletion_guards", [lambda r: "入札があるため削除できません。"])
    admin = client_for(admin_a)
    assert "入札があるため削除できません。" in admin.get(url).content.decode()
    response = admin.post(url, {"reason": "廃止", "confirm": "on"}, follow=True)
    assert "入札があるため削除できません。" in response.content.decode()
    assert not ResourceApplication.objects.filter(kind="deletion").exists()
    monkeypatch.setattr(services, "_deletion_guards", [])
    response = admin.post(url, {"reason": "廃止", "confirm": "on"})
    assert response.status_code == 302
    assert ResourceApplication.objects.filter(kind="deletion", status=ReviewStatus.SUBMITTED).exists()


def test_a_returned_application_is_resubmitted_and_an_open_one_withdrawn(client_for, user_a, reviewer, operator_a):
    from capacity_market import review

    application = services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                           values=resource_values())
    review.send_back(application=application, actor=reviewer, comment="名称が違います",
                     expected_version=application.version)
    application.refresh_from_db()
    client = client_for(user_a)
    detail = client.get(reverse("registration:resource_application_detail", args=[application.pk])).content.decode()
    assert "名称が違います" in detail
    response = client.post(reverse("registration:resource_application_resubmit", args=[application.pk]),
                           form_data({**application.info_values(), "name": "正しい名前"},
                                     version=application.version))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ReviewStatus.SUBMITTED and application.name == "正しい名前"
    response = client.post(reverse("registration:resource_application_withdraw", args=[application.pk]),
                           {"version": application.version})
    application.refresh_from_db()
    assert application.status == ReviewStatus.WITHDRAWN


def test_another_operators_user_cannot_withdraw(client_for, user_b, operator_a, user_a):
    application = services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                           values=resource_values())
    response = client_for(user_b).post(reverse("registration:resource_application_withdraw", args=[application.pk]),
                                       {"version": application.version})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ReviewStatus.SUBMITTED


# --- the list: filters and constant queries ---------------------------------------------------------------------
def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_resource_list_filters_by_area_category_and_status(client_for, user_a, operator_a, resource_a,
                                                               reviewer):
    make_resources(operator_a, 4)
    services.submit_resource_change_application(resource=resource_a, actor=user_a,
                                                values={**resource_a.info_values(), "name": "X"})
    client = client_for(user_a)
    url = reverse("registration:resource_list")
    assert client.get(url, {"area": "kansai"}).context["page"].paginator.count == 2
    assert client.get(url, {"category": "dispatch"}).context["page"].paginator.count == 0
    assert client.get(url, {"status": "pending"}).context["page"].paginator.count == 1
    assert client.get(url, {"status": "deleted"}).context["page"].paginator.count == 0


def test_the_resource_list_runs_the_same_queries_at_1_50_and_2000_rows(client_for, user_a, operator_a):
    client = client_for(user_a)
    url = reverse("registration:resource_list")
    make_resources(operator_a, 1)
    one = count_queries(client, url)
    make_resources(operator_a, 49)
    assert count_queries(client, url) == one
    # 1,950 more master rows, built by the factory and saved in bulk: through the services this would take minutes,
    # and the page reads the rows only.
    Resource.objects.bulk_create([ResourceFactory.build(operator=operator_a, name=f"電源{n}",
                                                        area=("tokyo", "kansai")[n % 2]) for n in range(1950)])
    response = client.get(url, {"page": "40"})
    assert response.context["page"].paginator.count == 2000 and len(response.context["resources"]) == 50
    assert count_queries(client, url) == one
    assert count_queries(client, url, {"page": "40", "area": "tokyo"}) == one


def test_the_application_list_runs_the_same_queries_at_1_and_50(client_for, user_a, operator_a):
    client = client_for(user_a)
    url = reverse("registration:resource_application_list")
    services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    one = count_queries(client, url)
    for _ in range(49):
        services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    assert count_queries(client, url) == one


# --- the OCCTO review ----------------------------------------------------------------------------------------
def test_the_reviewer_sees_current_and_proposed_units_side_by_side_and_approves(client_for, reviewer, user_a,
                                                                                operator_a):
    members = [unit(600), unit(700)]
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, units=members,
                               category="variable_aggregate", generation_type="solar", installed_kw=1300)
    new_unit = unit(800)
    change = services.submit_resource_change_application(
        resource=resource, actor=user_a, values={**resource.info_values(), "installed_kw": 1400},
        units=[members[0], new_unit])
    client = client_for(reviewer)
    url = reverse("admin:registration_resourceapplication_change", args=[change.pk])
    body = client.get(url).content.decode()
    assert members[1]["grid_code"] in body and new_unit["grid_code"] in body
    response = client.post(url, {"decision": "approve", "comment": "", "version": change.version})
    assert response.status_code == 302
    assert sorted(u.installed_kw for u in resource.units.all()) == [600, 800]


def test_the_review_queue_and_resource_admin_run_constant_queries(client_for, reviewer, user_a, operator_a):
    client = client_for(reviewer)
    queue = reverse("admin:registration_resourceapplication_changelist")
    masters = reverse("admin:registration_resource_changelist")
    services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    make_resources(operator_a, 1)
    one_queue, one_masters = count_queries(client, queue), count_queries(client, masters)
    for _ in range(49):
        services.submit_new_resource_application(operator=operator_a, actor=user_a, values=resource_values())
    make_resources(operator_a, 49)
    assert count_queries(client, queue) == one_queue
    assert count_queries(client, masters) == one_masters


def test_operator_users_never_reach_the_resource_admin(client_for, admin_a):
    response = client_for(admin_a).get(reverse("admin:registration_resource_changelist"))
    assert response.status_code in (302, 403, 404)


def test_the_reviewer_approves_selected_applications_in_one_action(client_for, reviewer, user_a, operator_a):
    applications = [services.submit_new_resource_application(operator=operator_a, actor=user_a,
                                                             values=resource_values()) for _ in range(3)]
    withdrawn = applications[2]
    services.withdraw_resource_application(application=withdrawn, actor=user_a, expected_version=withdrawn.version)
    response = client_for(reviewer).post(reverse("admin:registration_resourceapplication_changelist"), {
        "action": "approve_selected", "_selected_action": [a.pk for a in applications]}, follow=True)
    assert response.status_code == 200
    assert Resource.objects.count() == 2
    assert ResourceApplication.objects.get(pk=withdrawn.pk).status == ReviewStatus.WITHDRAWN


def test_an_absurd_installed_capacity_is_refused_with_the_bound_as_pages_show_it(client_for, user_a):
    """5,000,000,000,000 kW (resource or unit): 「2,147,483,647 kW」 in the message, never the bare 2147483647."""
    values = resource_values(installed_kw="5000000000000")
    body = client_for(user_a).post(reverse("registration:resource_new"), form_data(values)).content.decode()
    assert "設備容量は最大 2,147,483,647 kW です。" in body and "2147483647 以下" not in body
    units = [unit(600), {**unit(700), "installed_kw": "5000000000000"}]
    values = resource_values(category="variable_aggregate", generation_type="solar", installed_kw=1300)
    body = client_for(user_a).post(reverse("registration:resource_new"), form_data(values, units)).content.decode()
    assert "設備容量は最大 2,147,483,647 kW です。" in body and "2147483647 以下" not in body
    assert not ResourceApplication.objects.exists()
