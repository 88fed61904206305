"""Operator-information reads. Each takes the user and stays within the user's operator (404 otherwise)."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from capacity_market.review import OPEN_STATUSES, ApplicationKind
from capacity_market.scoping import get_for_user_or_404, scope_to_user

from .models import Operator, OperatorApplication, Resource, ResourceApplication


def operator_for_user(*, user) -> Operator:
    """The operator of an operator user; 404 for anyone without one (OCCTO staff use the admin screens)."""
    return get_for_user_or_404(Operator.objects.all(), user=user, field="pk", pk=getattr(user, "operator_id", None))


def operator_code_taken(code: str, *, exclude_application=None) -> bool:
    """Whether the 事業者コード `code` (normalised) is held: by an operator, active or deleted (its records keep
    it), or by an open use application (the operator it asks for). The one place the rule is written: the use
    application's form and services and the approval ask it; `exclude_application` is the one being checked. The
    unique constraints (Operator.code; open use applications' code) are the last guard against a race."""
    if Operator.objects.filter(code__iexact=code).exists():
        return True
    held = OperatorApplication.objects.filter(kind=ApplicationKind.NEW, status__in=OPEN_STATUSES, code__iexact=code)
    if exclude_application is not None:
        held = held.exclude(pk=exclude_application.pk)
    return held.exists()








# --- resources --------------------------------------------------------------------------------------------------
def _open_resource_application_exists():
    return Exists(ResourceApplication.objects.filter(
        resource=OuterRef("pk"), kind__in=[ApplicationKind.CHANGE, ApplicationKind.DELETION],
        status__in=OPEN_STATUSES,
    ))


def resource_list_for_user(*, user, area: str = "", category: str = "", status: str = "") -> QuerySet[Resource]:
    """The user's operator's resources, filtered, each annotated with `has_open_application` and `unit_count`.

    status: "active" (registered), "deleted", "pending" (an open change or deletion application); default:
    all. A constant number of queries whatever the number of resources."""
    qs = scope_to_user(Resource.objects.all(), user=user).annotate(
        has_open_application=_open_resource_application_exists(),
        unit_count=Count("units"),
    )
    if area:
        qs = qs.filter(area=area)
    if category:
        qs = qs.filter(category=category)
    if status == "deleted":
        qs = qs.filter(is_active=False)
    elif status == "pending":
        qs = qs.filter(is_active=True, has_open_application=True)
    elif status == "active":
        qs = qs.filter(is_active=True)
    return qs.order_by("grid_code", "pk")


def resource_get_for_user(*, user, pk) -> Resource:
    """One of the user's operator's resources with its units; missing and not-yours both raise Http404."""
    return get_for_user_or_404(Resource.objects.select_related("operator").prefetch_related("units"),
                               user=user, pk=pk)


def resources_for_export(*, user) -> QuerySet[Resource]:
    """The user's operator's active resources with their units, for the CSV export."""
    return (scope_to_user(Resource.objects.filter(is_active=True), user=user)
            .prefetch_related("units").order_by("grid_code", "pk"))





