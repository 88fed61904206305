"""The apps depend downwards only (architecture.md §1): no cycle between the tenant, accounts and registration."""

from pathlib import Path

from django.apps import apps
from django.conf import settings


def _related_apps(app_label: str) -> set[str]:
    return {field.related_model._meta.app_label
            for model in apps.get_app_config(app_label).get_models()
            for field in model._meta.get_fields()
            if field.is_relation and field.concrete and field.related_model is not None}


def test_no_model_of_accounts_points_at_registration():
    assert "registration" not in _related_apps("accounts")


def test_the_tenant_points_at_no_business_app():
    assert _related_apps("tenants") <= {"tenants"}


def test_user_keys_name_settings_auth_user_model_not_the_app():
    """A foreign key to the user names settings.AUTH_USER_MODEL, never "accounts.User" (models of every app)."""
    root = Path(settings.BASE_DIR)
    offenders = [str(path.relative_to(root)) for path in root.glob("*/models.py") if '"accounts.User"' in path.read_text()]
    offenders += [str(path.relative_to(root)) for path in root.glob("capacity_market/review/*.py")
                  if '"accounts.User"' in path.read_text()]
    assert not offenders
