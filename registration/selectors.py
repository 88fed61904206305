"""Operator-information reads. Each takes the user and stays within the user's operator (404 otherwise)."""

from django.db.models import QuerySet

from capacity_market.review import OPEN_STATUSES, ApplicationKind
from capacity_market.scoping import get_for_user_or_404, scope_to_user

from .models import Operator, OperatorApplication


def operator_for_user(*, user) -> Operator:
    """The operator of an operator user; 404 for anyone without one (OCCTO staff use the admin screens)."""
    return get_for_user_or_404(Operator.objects.all(), user=user, field="pk", pk=getattr(user, "operator_id", None))


def application_list_for_user(*, user) -> QuerySet[OperatorApplication]:
    """The user's operator's applications (the use application included once approved), newest first."""
    return (
        scope_to_user(OperatorApplication.objects.all(), user=user)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-created_at", "-pk")
    )


def application_get_for_user(*, user, pk) -> OperatorApplication:
    """One of the user's operator's applications; missing and not-yours both raise Http404."""
    return get_for_user_or_404(
        OperatorApplication.objects.select_related("operator", "submitted_by", "reviewed_by", "terms_version"),
        user=user, pk=pk,
    )


def open_application_for_operator(*, operator: Operator) -> OperatorApplication | None:
    """The operator's open change or deletion application, if any (there is at most one)."""
    return (
        OperatorApplication.objects.filter(
            operator=operator, kind__in=[ApplicationKind.CHANGE, ApplicationKind.DELETION], status__in=OPEN_STATUSES
        )
        .order_by("-pk")
        .first()
    )
