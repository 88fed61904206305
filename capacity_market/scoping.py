"""Operator scoping: the one way operator-facing pages narrow querysets and fetch objects.

An operator's data is visible only to its own users (and, later, its delegated contractors) and to OCCTO staff.
A wrong operator's object answers 404 exactly like a missing one, never 403-with-content.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .roles import is_occto_staff


def operator_ids_for(user) -> list[int]:
    """The operators whose data `user` may act on (own operator; contractor delegations join here later)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [user.operator_id] if user.operator_id is not None else []


def scope_to_user(queryset: QuerySet, *, user, field: str = "operator", staff_sees_all: bool = False) -> QuerySet:
    """Narrow `queryset` to rows whose `field` (a path to an Operator FK) is one of the user's operators."""
    if staff_sees_all and is_occto_staff(user):
        return queryset
    return queryset.filter(**{f"{field}__in": operator_ids_for(user)})


def get_for_user_or_404(queryset: QuerySet, *, user, field: str = "operator", staff_sees_all: bool = False, **lookup):
    """Fetch one object within the user's scope; missing and not-yours both raise Http404."""
    try:
        return scope_to_user(queryset, user=user, field=field, staff_sees_all=staff_sees_all).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc
