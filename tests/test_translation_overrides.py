"""Overrides of Django's and allauth's Japanese kept in the project catalogue (locale/ja): the terms write ユーザ,
forms use the full-width colon, and Django 6's empty-choice label has no Japanese of its own."""

import pytest
from django.utils import translation

from accounts.models import User


@pytest.mark.parametrize(
    ("english", "japanese"),
    [("- Select an option -", "選択してください"), (":", "："), ("user", "ユーザ"), ("users", "ユーザ"),
     ("You have signed out.", "ログアウトしました。")],
)
def test_the_project_catalogue_overrides_the_library_wording(english, japanese):
    with translation.override("ja"):
        assert translation.gettext(english) == japanese


def test_the_user_model_reads_ユーザ_everywhere_in_japanese():
    with translation.override("ja"):
        assert str(User._meta.verbose_name) == "ユーザ"
        assert str(User._meta.verbose_name_plural) == "ユーザ"
