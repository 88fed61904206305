"""Mail backends of the test suite (settings.EMAIL_BACKEND). Both keep messages in the locmem outbox.

`NotifyOnlyBackend` is every test's backend (the root conftest): a message that did not come through
`capacity_market.notifications.deliver` (the one mail path, architecture.md §3) is refused and recorded in
`violations`, and the test fails. `FlakyBackend` fails as `FlakyBackend.errors` says, one error per send, then
delivers: the retry tests use it instead of a real relay that drops the connection.
"""

import sys

from django.core.mail.backends import locmem

NOTIFY_FILE = "capacity_market/notifications.py"

# (test-visible) messages that reached a backend without going through notify(); the conftest checks it is empty
violations: list[str] = []


def _through_notify() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "deliver" and code.co_filename.replace("\\", "/").endswith(NOTIFY_FILE):
            return True
        frame = frame.f_back
    return False


class NotifyOnlyBackend(locmem.EmailBackend):
    def send_messages(self, messages):
        if not _through_notify():
            violations.extend(f"{m.subject!r} to {m.to}" for m in messages)
            raise AssertionError("e-mail sent outside capacity_market.notifications.notify()")
        return super().send_messages(messages)


class FlakyBackend(NotifyOnlyBackend):
    errors: list[Exception] = []  # raised in this order, one per send; empty: deliver
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if FlakyBackend.errors:
            raise FlakyBackend.errors.pop(0)
        return super().send_messages(messages)
