"""E-mail has one path (architecture.md §3): `capacity_market.notifications`. This test reads every project
module and fails if one outside that module uses Django's mail API (or smtplib's client) directly.

It complements the suite's mail backend (`tests.mail_backends.NotifyOnlyBackend`), which refuses at run time a
message that did not come through `notifications.deliver()`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {"capacity_market/notifications.py"}
SKIPPED_DIRS = {".venv", ".var", ".git", "node_modules", "migrations", "tests", "staticfiles", "test-artifacts"}
# Names that send mail or open a mail connection, however they are reached (imported, module attribute, method).
MAIL_NAMES = {
    "send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage", "EmailMultiAlternatives",
    "get_connection", "mailers", "send_messages", "SMTP", "SMTP_SSL", "LMTP",
}


def mail_uses(source: str, filename: str = "<source>") -> list[str]:
    """'line: name' for each use of a mail-sending name in `source`, by line."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.alias):
            name = node.name.rpartition(".")[2]
        else:
            continue
        if name in MAIL_NAMES:
            found.append((node.lineno, name))
    return [f"{line}: {name}" for line, name in sorted(found)]


def project_modules(root: Path):
    """Every .py file of the project: not the virtualenv, tests, or migrations."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if not SKIPPED_DIRS.intersection(relative.parts[:-1]):
            yield relative.as_posix(), path


def violations(root: Path = ROOT) -> list[str]:
    return [f"{name}:{use}" for name, path in project_modules(root) if name not in ALLOWED
            for use in mail_uses(path.read_text(encoding="utf-8"), name)]


def test_no_project_module_but_notifications_sends_mail():
    assert violations() == [], "send e-mail with capacity_market.notifications.notify(), nothing else"


def test_the_notifications_module_is_where_mail_is_sent():
    """So the allow-list is not stale: the one path really is there."""
    uses = mail_uses((ROOT / "capacity_market/notifications.py").read_text(encoding="utf-8"))
    assert any(use.endswith(": EmailMessage") for use in uses)
    assert (ROOT / "capacity_market/tests/test_notifications.py").is_file()


# --- the checker itself -------------------------------------------------------------------------------------------
def test_the_checker_finds_every_way_of_sending():
    source = """
from django.core.mail import send_mail, EmailMultiAlternatives as Rich
from django.core import mail
import smtplib

def notify_by_hand(user):
    send_mail("s", "b", None, [user.email])
    mail.EmailMessage("s", "b", to=[user.email]).send()
    with mail.get_connection() as connection:
        connection.send_messages([Rich("s", "b")])
    mail.mail_admins("s", "b")
    mail.mailers.default.send_messages([])
    smtplib.SMTP("localhost").sendmail("a", ["b"], "x")
"""
    assert mail_uses(source) == [
        "2: EmailMultiAlternatives", "2: send_mail", "7: send_mail", "8: EmailMessage", "9: get_connection",
        "10: send_messages", "11: mail_admins", "12: mailers", "12: send_messages", "13: SMTP",
    ]


def test_the_checker_passes_code_that_notifies_and_plain_mentions():
    source = '''
from capacity_market.notifications import notify

def welcome(user):
    """Mentions of send_mail in text are fine."""
    notify(template="accounts/email/welcome", recipients=[user], context={"note": "EmailMessage"})
    email_backend = "django.core.mail.backends.smtp.EmailBackend"
'''
    assert mail_uses(source) == []


def test_a_planted_module_fails_the_walk_but_tests_migrations_and_the_allowed_module_do_not(tmp_path):
    planted = "from django.core.mail import send_mail\n\ndef f():\n    send_mail('s', 'b', None, ['x@example.jp'])\n"
    for name in ("shop/services.py", "shop/tests/test_x.py", "shop/migrations/0001_x.py",
                 ".venv/lib/django/core/mail/__init__.py", "capacity_market/notifications.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(planted, encoding="utf-8")

    assert violations(tmp_path) == ["shop/services.py:1: send_mail", "shop/services.py:4: send_mail"]
