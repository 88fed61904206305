"""Demo notices: one important for everyone, one about maintenance, one for a single operator."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from registration.models import Operator

from . import services
from .models import Notice, NoticeCategory, NoticeImportance

NOTICES = [
    ("容量市場システム利用規約の改定について", NoticeCategory.IMPORTANT, NoticeImportance.HIGH, None,
     "容量市場システム利用規約を Ver. 3.2 に改定しました。休日にあたる火曜日も機能を提供します。"
     "ログイン後、改定内容をご確認ください。", 3),
    ("システムメンテナンスのお知らせ（12月）", NoticeCategory.MAINTENANCE, NoticeImportance.NORMAL, None,
     "12月20日（日）0:00〜6:00 はメンテナンスのため本システムを停止します。", 2),
    ("事業者情報の確認のお願い", NoticeCategory.OTHER, NoticeImportance.NORMAL, "tohoku-admin",
     "登録されている連絡先電話番号の確認をお願いします。変更がある場合は事業者情報の変更申請を行ってください。", 1),
]


def seed(*, stdout) -> list[tuple[str, str]]:
    admin = User.objects.get(login_id="occto-admin")
    for title, category, importance, only_for, body, days_ago in NOTICES:
        if Notice.objects.filter(title=title).exists():
            continue
        operators = []
        if only_for:
            operators = [Operator.objects.get(users__login_id=only_for)]
        notice = Notice(title=title, body=body, category=category, importance=importance,
                        publish_from=timezone.now() - dt.timedelta(days=days_ago), to_all_operators=not operators)
        services.notice_save(actor=admin, notice=notice, operators=operators)
    return []
