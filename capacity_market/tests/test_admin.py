"""The core's admin screens: service-calendar exceptions (OCCTO administrators edit, reviewers view) and the
read-only audit log (OCCTO administrators only)."""

import pytest
from django.urls import reverse

from capacity_market import audit
from capacity_market.models import AuditEntry, ServiceCalendarException

pytestmark = pytest.mark.django_db

EXC_LIST = reverse("admin:capacity_market_servicecalendarexception_changelist")
EXC_ADD = reverse("admin:capacity_market_servicecalendarexception_add")
AUDIT_LIST = reverse("admin:capacity_market_auditentry_changelist")


def exc_change(pk):
    return reverse("admin:capacity_market_servicecalendarexception_change", args=[pk])


def test_an_occto_admin_adds_an_exception_and_is_recorded_as_its_creator(client_for, occto_admin):
    response = client_for(occto_admin).post(EXC_ADD, {"date": "2026-12-01", "kind": "closed", "reason": "システム保守"})
    assert response.status_code == 302
    exception = ServiceCalendarException.objects.get()
    assert exception.created_by == occto_admin
    assert exception.reason == "システム保守"
    entry = AuditEntry.objects.get(action="admin.add.capacity_market.servicecalendarexception")
    assert entry.actor_id == occto_admin.pk and entry.after["reason"] == "システム保守"
    assert audit.verify().ok


def test_an_occto_admin_changes_and_deletes_an_exception_with_audit(client_for, occto_admin, reviewer):
    exception = ServiceCalendarException.objects.create(date="2026-12-01", kind="closed", reason="保守",
                                                        created_by=reviewer)
    c = client_for(occto_admin)
    response = c.post(exc_change(exception.pk), {"date": "2026-12-01", "kind": "open", "reason": "臨時開局"})
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.kind == "open"
    assert exception.created_by == reviewer, "the creator stays who created it"
    changed = AuditEntry.objects.get(action="admin.change.capacity_market.servicecalendarexception")
    assert changed.before["kind"] == "closed" and changed.after["kind"] == "open"

    delete_url = reverse("admin:capacity_market_servicecalendarexception_delete", args=[exception.pk])
    assert c.post(delete_url, {"post": "yes"}).status_code == 302
    assert not ServiceCalendarException.objects.exists()
    deleted = AuditEntry.objects.get(action="admin.delete.capacity_market.servicecalendarexception")
    assert deleted.target_id == str(exception.pk) and deleted.before["reason"] == "臨時開局"


def test_an_invalid_exception_re_renders_with_errors_and_saves_nothing(client_for, occto_admin):
    c = client_for(occto_admin)
    response = c.post(EXC_ADD, {"date": "2026-02-30", "kind": "sometimes", "reason": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"date", "kind", "reason"}
    ServiceCalendarException.objects.create(date="2026-12-01", kind="closed", reason="保守")
    response = c.post(EXC_ADD, {"date": "2026-12-01", "kind": "open", "reason": "x" * 500})
    assert response.status_code == 200
    assert ServiceCalendarException.objects.count() == 1


def test_a_reviewer_sees_exceptions_but_cannot_add_change_or_delete(client_for, reviewer):
    exception = ServiceCalendarException.objects.create(date="2026-12-01", kind="closed", reason="保守")
    c = client_for(reviewer)
    assert c.get(EXC_LIST).status_code == 200
    assert c.get(exc_change(exception.pk)).status_code == 200
    assert c.get(EXC_ADD).status_code == 403
    c.post(exc_change(exception.pk), {"date": "2026-12-01", "kind": "open", "reason": "改ざん"})
    exception.refresh_from_db()
    assert exception.kind == "closed"
    delete_url = reverse("admin:capacity_market_servicecalendarexception_delete", args=[exception.pk])
    assert c.post(delete_url, {"post": "yes"}).status_code == 403
    assert ServiceCalendarException.objects.exists()


@pytest.mark.parametrize("persona", ["admin_a", "user_a"])
def test_operator_users_cannot_reach_the_exceptions(request, client_for, persona):
    c = client_for(request.getfixturevalue(persona))
    assert c.get(EXC_LIST).status_code in (302, 403)
    assert c.post(EXC_ADD, {"date": "2026-12-01", "kind": "closed", "reason": "x"}).status_code in (302, 403)
    assert not ServiceCalendarException.objects.exists()


def test_the_audit_log_is_listed_for_occto_admins_with_filters_and_search(client_for, occto_admin, user_a):
    audit.record(action="accounts.login", actor=user_a)
    audit.record(action="accounts.login_failed", actor_label="someone")
    c = client_for(occto_admin)
    page = c.get(AUDIT_LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "accounts.login_failed" in text and "user-a" in text
    filtered = c.get(AUDIT_LIST, {"action": "accounts.login_failed"}).content.decode()
    assert "someone" in filtered and "user-a" not in filtered
    searched = c.get(AUDIT_LIST, {"q": "user-a"})
    assert list(searched.context["cl"].result_list.values_list("actor_label", flat=True)) == ["user-a"]
    by_date = c.get(AUDIT_LIST, {"created_at__year": "2026", "created_at__month": "11"})
    assert by_date.context["cl"].result_count == 2


def test_an_audit_entry_can_be_viewed_but_never_edited_or_deleted(client_for, occto_admin):
    entry = audit.record(action="test.view", actor_label="x", after={"k": "値"})
    c = client_for(occto_admin)
    detail = c.get(reverse("admin:capacity_market_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert "値" in detail.content.decode()
    assert c.get(reverse("admin:capacity_market_auditentry_add")).status_code == 403
    assert c.post(reverse("admin:capacity_market_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert c.post(AUDIT_LIST, {"action": "delete_selected", "_selected_action": [entry.pk]}).status_code != 500
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("persona", ["reviewer", "admin_a", "user_a"])
def test_only_occto_admins_see_the_audit_log(request, client_for, persona):
    audit.record(action="test.secret", actor_label="x")
    response = client_for(request.getfixturevalue(persona)).get(AUDIT_LIST)
    assert response.status_code in (302, 403)


def test_the_audit_list_runs_a_constant_number_of_queries(client_for, occto_admin, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(occto_admin)
    audit.record(action="test.one", actor_label="x")
    c.get(AUDIT_LIST)  # warm up caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        assert c.get(AUDIT_LIST).status_code == 200
    for i in range(49):
        audit.record(action=f"test.many{i % 5}", actor_label=f"x{i}")
    with CaptureQueriesContext(connection) as fifty:
        assert c.get(AUDIT_LIST).status_code == 200
    assert len(one) == len(fifty)


def test_the_exception_list_runs_a_constant_number_of_queries(client_for, occto_admin):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(occto_admin)
    ServiceCalendarException.objects.create(date="2026-12-01", kind="closed", reason="r", created_by=occto_admin)
    c.get(EXC_LIST)
    with CaptureQueriesContext(connection) as one:
        assert c.get(EXC_LIST).status_code == 200
    for i in range(49):
        ServiceCalendarException.objects.create(date=dt.date(2027, 1, 1) + dt.timedelta(days=i), kind="open",
                                                reason=f"r{i}", created_by=occto_admin)
    with CaptureQueriesContext(connection) as fifty:
        assert c.get(EXC_LIST).status_code == 200
    assert len(one) == len(fifty)
