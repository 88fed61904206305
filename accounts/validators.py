"""Password rules beyond Django's: no reuse of the last N passwords (利用規約 3.5), nothing personal in it."""

import unicodedata

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class PasswordReuseValidator:
    """Refuses the current password and the others among the last `history` ones.

    The history is written by `password_changed`, which Django calls from `User.save()` whenever
    `set_password()` was used, so every way of setting a password (link, forced change, voluntary change,
    admin) records it. Unusable passwords (issued / reissued IDs) are not passwords and are not recorded.
    """

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        # Newest first by id: the clock may jump (tests, NTP), the insertion order does not.
        recent = list(user.password_history.order_by("-id").values_list("password", flat=True)[: self.history])
        if user.has_usable_password() and user.password not in recent:
            recent.insert(0, user.password)
        if any(check_password(password, encoded) for encoded in recent[: self.history]):
            raise ValidationError(
                ngettext(
                    "You cannot reuse your last password.",
                    "You cannot reuse any of your last %(count)d passwords.",
                    self.history,
                )
                % {"count": self.history},
                code="password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.order_by("-id").values_list("pk", flat=True)[self.history :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("Your password cannot be one of your last %(count)d passwords.") % {"count": self.history}


class PersonalDataValidator:
    """Refuses a password that contains the user's login ID, e-mail name or a part of their name (kanji or kana).

    Django's UserAttributeSimilarityValidator compares whole strings by a ratio, which a 12-character password that
    merely contains "user-a" or the user's name passes. Compared after NFKC folding and case folding, with spaces and
    punctuation removed: ASCII parts of at least 3 characters, other parts (kanji, kana) of at least 2.
    """

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        haystack = _plain(password)
        if any(part in haystack for part in _personal_parts(user)):
            raise ValidationError(
                _("The password must not contain your login ID, the name of your e-mail address or your name."),
                code="password_contains_personal_data",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot contain your login ID, e-mail name or name.")


def _plain(value: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", value or "").casefold() if ch.isalnum())


def _personal_parts(user) -> set[str]:
    texts = [getattr(user, "login_id", ""), (getattr(user, "email", "") or "").partition("@")[0]]
    for name in (getattr(user, "full_name", ""), getattr(user, "full_name_kana", "")):
        texts.append(name or "")
        texts.extend(unicodedata.normalize("NFKC", name or "").split())
    parts = set()
    for text in texts:
        plain = _plain(text)
        if len(plain) >= (3 if plain.isascii() else 2):
            parts.add(plain)
    return parts
