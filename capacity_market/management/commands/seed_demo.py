"""`manage.py seed_demo`: demo data for a newcomer, idempotent (run it as often as you like).

Each app contributes its own part as `<app>/demo.py` with `seed(*, stdout) -> list[(login_id, who)]`, called in
INSTALLED_APPS order; the core imports no business app. Demo data is made through the same services as real
data, so histories and audit entries exist. The service window is not enforced while seeding.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

DEMO_PASSWORD = "demo-password-2026"


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo log-ins."

    def handle(self, *args, **options):
        logins: list[tuple[str, str]] = []
        with override_settings(SERVICE_WINDOW_ENFORCED=False), transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if importlib.util.find_spec(module_name) is None:
                    continue
                logins += importlib.import_module(module_name).seed(stdout=self.stdout) or []
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/accounts/login/"))
        self.stdout.write(f"Password of every demo account: {DEMO_PASSWORD}")
        width = max((len(login) for login, _ in logins), default=10)
        for login, who in dict.fromkeys(logins):
            self.stdout.write(f"  {login.ljust(width)}  {who}")
