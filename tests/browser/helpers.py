"""Steps shared by the browser journeys: logging in through the page, and reading the e-mailed links.

The live server runs in the test's process (a thread), so the locmem outbox `django.core.mail.outbox` holds
every e-mail it sends. The links in those e-mails start with SITE_URL; the journeys open them on the live
server instead.
"""

import re
import time
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import Page, expect

SET_PASSWORD_LINK_RE = re.compile(r"https?://\S+?/accounts/password/set/[^/\s]+/[^/\s]+/")


def label(text: str) -> re.Pattern:
    """The accessible name of a form field labelled `text` (Django adds a label suffix such as ":")."""
    return re.compile(rf"^\s*{re.escape(text)}\s*[:：]?\s*$")


def wait_for_email(*, to: str, containing: str, timeout: float = 10.0):
    """The first e-mail to `to` whose body contains `containing`, waiting for it to arrive (on-commit sends)."""
    deadline = time.monotonic() + timeout
    while True:
        for message in list(mail.outbox):
            if to in message.to and containing in message.body:
                return message
        if time.monotonic() > deadline:
            sent = [(m.to, m.subject) for m in mail.outbox]
            raise AssertionError(f"no e-mail to {to} containing {containing!r}; sent: {sent}")
        time.sleep(0.05)


def set_password_link(*, to: str, base_url: str) -> str:
    """The set-password link e-mailed to `to`, pointed at the live server."""
    message = wait_for_email(to=to, containing="/accounts/password/set/")
    match = SET_PASSWORD_LINK_RE.search(message.body)
    assert match, message.body
    return base_url.rstrip("/") + urlsplit(match.group(0)).path


def log_in(page: Page, *, base_url: str, login_id: str, password: str) -> None:
    """Log in on the log-in page with a login ID and a password, as a person types them."""
    page.goto(f"{base_url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    page.get_by_label(label("ログインID")).fill(login_id)
    page.get_by_label(label("パスワード")).fill(password)
    page.get_by_role("main").get_by_role("button", name="ログイン").click()
    expect(page.locator(".user-label")).to_contain_text(login_id)


def set_new_password(page: Page, password: str) -> None:
    """Fill the two new-password fields of a set-password or change-password form."""
    page.get_by_label(label("新しいパスワード")).fill(password)
    page.get_by_label(label("新しいパスワード(確認用)")).fill(password)


def change_password_if_forced(page: Page, *, current: str, new: str) -> str:
    """If the first log-in lands on the forced password change, change it as the user would; the password in use."""
    if "/accounts/password/change-required/" not in page.url:
        return current
    expect(page.get_by_role("heading", level=1)).to_have_text("新しいパスワードの設定")
    page.get_by_label(label("現在のパスワード")).fill(current)
    set_new_password(page, new)
    page.get_by_role("button", name="新しいパスワードを設定する").click()
    expect(page.locator(".messages")).to_contain_text("パスワードを変更しました")
    return new
