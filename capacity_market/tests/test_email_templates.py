"""The review notice e-mail renders in Japanese and in English, as plain text."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from capacity_market import notifications
from capacity_market.models import ApplicationHistory
from capacity_market.review import ReviewStatus
from registration.models import OperatorApplication
from tests import factories

pytestmark = pytest.mark.django_db


def _render(language: str, *, to_status: str, comment: str = "") -> tuple[str, str]:
    operator = factories.OperatorFactory()
    application = factories.OperatorApplicationFactory(kind="change", operator=operator, name="A&B電力株式会社")
    entry = ApplicationHistory.objects.create(
        content_type=ContentType.objects.get_for_model(application), object_id=application.pk,
        from_status="submitted", to_status=to_status, comment=comment, version=2,
    )
    context = {"application": application, "application_type": application._meta.verbose_name,
               "entry": entry, "status_label": ReviewStatus(to_status).label,
               "site_url": "https://cm.example.jp"}
    return notifications.render(template="capacity_market/email/review_notice", language=language, context=context)


def test_the_notice_renders_in_japanese():
    subject, body = _render("ja", to_status="returned", comment="口座名義を確認してください")
    with translation.override("ja"):
        kind = str(OperatorApplication._meta.verbose_name)
    assert subject == f"【容量市場システム】{kind}: 差戻し"
    assert f"{kind}の状態が「差戻し」になりました。" in body
    assert "広域機関からのコメント" in body
    assert "口座名義を確認してください" in body
    assert "https://cm.example.jp" in body
    assert "電力広域的運営推進機関" in body
    assert "A&B電力株式会社" in body, "plain text, not HTML-escaped"


def test_the_notice_renders_in_english():
    subject, body = _render("en", to_status="approved")
    assert subject == "[Capacity Market System] Your operator application: Approved"
    assert "The status of your operator application is now: Approved." in body
    assert "Comment from OCCTO" not in body
    assert "Organization for Cross-regional Coordination of Transmission Operators (OCCTO)" in body


@pytest.mark.parametrize("status", ["submitted", "approved", "returned", "rejected", "withdrawn"])
def test_every_notified_status_has_a_japanese_subject_on_one_line(status):
    subject, _body = _render("ja", to_status=status)
    assert "\n" not in subject
    assert str(ReviewStatus(status).label) not in ("", None)
    with translation.override("ja"):
        assert str(ReviewStatus(status).label) in subject


SUBJECT_TEMPLATES = sorted(Path(settings.BASE_DIR).glob("*/templates/*/email/*_subject.txt"))


@pytest.mark.parametrize("path", SUBJECT_TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_subject_template_writes_the_prefix_itself(path):
    """One prefix for every mail, 【容量市場システム】 in Japanese: notifications.render adds it, no template does."""
    text = path.read_text(encoding="utf-8")
    assert "Capacity Market System" not in text and "容量市場システム" not in text


@pytest.mark.parametrize(("language", "prefix"), [("ja", "【容量市場システム】"), ("en", "[Capacity Market System] ")])
def test_every_mail_subject_gets_the_one_prefix(language, prefix):
    subject, _body = _render(language, to_status="approved")
    assert subject.startswith(prefix) and subject.count(prefix.strip()) == 1
