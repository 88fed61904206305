"""Overrides of Django's and allauth's Japanese kept in the project catalogue (locale/ja): the terms write ユーザ,
forms use the full-width colon, and Django 6's empty-choice label has no Japanese of its own."""

import pytest
from django.utils import translation

from accounts.models import User


@pytest.mark.parametrize(
    ("english", "japanese"),
    [("- Select an option -", "選択してください"), (":", "："), ("user", "ユーザ"), ("users", "ユーザ"),
     ("You have signed out.", "ログアウトしました。"),
     # Django's own spelling (with the long mark) where our admin shows it (a user's history, the staff fields) — issue #9 §2 item 11.
     ("User", "ユーザ"), ("username", "ユーザ名"), ("Username", "ユーザ名"), ("superuser status", "スーパーユーザ権限"),
     ("user permissions", "ユーザ権限"), ("Specific permissions for this user.", "このユーザの持つ権限です。"),
     ("The groups this user belongs to. A user will get all permissions granted to each of their groups.",
      "このユーザが所属するグループ。ユーザはそれぞれのグループに付与されたすべての権限を持ちます。"),
     ("A user with that username already exists.", "同じユーザ名が既に登録済みです。"),
     ("After you’ve created a user, you’ll be able to edit more user options.",
      "ユーザを作成後に詳細情報が編集可能になります。")],
)
def test_the_project_catalogue_overrides_the_library_wording(english, japanese):
    with translation.override("ja"):
        assert translation.gettext(english) == japanese


def test_the_user_model_reads_ユーザ_everywhere_in_japanese():
    with translation.override("ja"):
        assert str(User._meta.verbose_name) == "ユーザ"
        assert str(User._meta.verbose_name_plural) == "ユーザ"
        assert str(User.OperatorRole.USER.label) == "一般ユーザ", "the role has its own context, not Django's User"
        for name in ("is_superuser", "groups", "user_permissions"):
            field = User._meta.get_field(name)
            assert "ユーザ" + "ー" not in f"{field.verbose_name} {field.help_text}", name
