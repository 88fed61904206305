"""Reads of accounts for operator-facing pages. Every query goes through capacity_market.scoping."""

from django.db.models import QuerySet

from capacity_market.scoping import get_for_user_or_404, scope_to_user

from .models import User

# What the list and detail pages show: only columns of the user row, so one query whatever the size.
LIST_FIELDS = (
    "id", "login_id", "full_name", "full_name_kana", "email", "operator_id", "operator_role", "is_active",
    "locked_at", "last_login", "deactivated_at", "must_change_password", "password",
)


def user_list_for_user(*, user, include_deleted: bool = False) -> QuerySet[User]:
    """Users of the viewer's own operator: the current admin first, then by login ID; deleted IDs on request."""
    qs = scope_to_user(User.objects.all(), user=user).only(*LIST_FIELDS)
    if not include_deleted:
        qs = qs.filter(is_active=True)
    return qs.order_by("operator_role", "login_id")


def user_get_for_user(*, user, pk) -> User:
    """One user of the viewer's own operator; a missing ID and another operator's user both raise Http404."""
    return get_for_user_or_404(User.objects.all(), user=user, pk=pk)

