"""Demo OCCTO staff (see capacity_market/management/commands/seed_demo.py)."""

from django.contrib.auth.models import Group

from capacity_market.management.commands.seed_demo import DEMO_PASSWORD
from capacity_market.roles import OCCTO_ADMIN_GROUP, OCCTO_REVIEWER_GROUP

from . import services
from .models import User

STAFF = [
    ("occto-admin", "広域 管理子", "コウイキ カンリコ", OCCTO_ADMIN_GROUP, "OCCTO administrator / 広域機関 管理者"),
    ("occto-reviewer", "広域 審査太郎", "コウイキ シンサタロウ", OCCTO_REVIEWER_GROUP, "OCCTO reviewer / 広域機関 審査担当"),
]


def seed(*, stdout) -> list[tuple[str, str]]:
    logins = []
    for login_id, name, kana, group, who in STAFF:
        user, created = User.objects.get_or_create(
            login_id=login_id,
            defaults={"full_name": name, "full_name_kana": kana, "email": f"{login_id}@occto.example",
                      "is_staff": True},
        )
        if created:
            user.groups.add(Group.objects.get(name=group))
            services.set_password(user=user, password=DEMO_PASSWORD, via="link")
        logins.append((login_id, who))
    return logins
