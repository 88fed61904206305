"""Reads of accounts for operator-facing pages. Every query goes through capacity_market.scoping."""

from django.db.models import QuerySet
from django.db.models.functions import Lower

from capacity_market.review import OPEN_STATUSES, ApplicationKind
from capacity_market.scoping import get_for_user_or_404, scope_to_user
from registration.models import OperatorApplication  # a use application holds the admin login ID it asks for

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



def login_id_taken(login_id: str, *, exclude_application=None) -> bool:
    """Whether `login_id` is held, ignoring case ("Tanaka01" holds "tanaka01"): by a user, active or deleted (an
    ID is never reused), or as the administrator ID an open use application asks for (issued on its approval).

    This is the one place the rule is written; every form and service that hands out a login ID asks it.
    `exclude_application`: the use application being approved, which holds its own requested ID. The unique
    constraints on `User.login_id` (ignoring case) and on open applications' `admin_login_id` are the last
    guard against a concurrent request.
    """
    if User.objects.filter(login_id__iexact=login_id).exists():
        return True
    requested = OperatorApplication.objects.annotate(requested_id=Lower("admin_login_id")).filter(
        kind=ApplicationKind.NEW, status__in=OPEN_STATUSES, requested_id=login_id.lower()
    )
    if exclude_application is not None:
        requested = requested.exclude(pk=exclude_application.pk)
    return requested.exists()
