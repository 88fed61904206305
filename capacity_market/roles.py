"""OCCTO roles are Django groups; operator roles are a field of the user."""

from django.utils.translation import gettext_lazy as _

OCCTO_REVIEWER_GROUP = "occto_reviewer"
OCCTO_ADMIN_GROUP = "occto_admin"
# What the screens call each group (the group's name is a code the roles are checked by).
GROUP_LABELS = {OCCTO_REVIEWER_GROUP: _("OCCTO reviewer"), OCCTO_ADMIN_GROUP: _("OCCTO administrator")}


def group_label(group) -> str:
    """A group as people read it: its role's name, or the group's own name for any other group."""
    return str(GROUP_LABELS.get(group.name, group.name))


def _groups(user) -> set[str]:
    cached = getattr(user, "_cm_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._cm_group_names = cached
    return cached


def is_occto_staff(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.operator_id is None
        and (user.is_superuser or _groups(user) & {OCCTO_REVIEWER_GROUP, OCCTO_ADMIN_GROUP})
    )


def is_occto_reviewer(user) -> bool:
    """Reviewers decide applications; OCCTO administrators may too."""
    return is_occto_staff(user)


def is_occto_admin(user) -> bool:
    return is_occto_staff(user) and (user.is_superuser or OCCTO_ADMIN_GROUP in _groups(user))
