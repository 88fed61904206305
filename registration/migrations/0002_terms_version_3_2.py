"""Load the terms of use Ver. 3.2 (the seed text kept in registration/data/) if it is not there yet."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import migrations

TERMS_FILE = Path(__file__).resolve().parent.parent / "data" / "terms-v3.2.txt"


def load_terms(apps, schema_editor):
    TermsVersion = apps.get_model("accounts", "TermsVersion")
    if TermsVersion.objects.filter(version="3.2").exists():
        return
    TermsVersion.objects.create(
        version="3.2",
        title="容量市場システム利用規約",
        body=TERMS_FILE.read_text(encoding="utf-8"),
        effective_from=dt.datetime(2024, 4, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_occto_groups"),
        ("registration", "0001_initial"),
    ]
    operations = [migrations.RunPython(load_terms, migrations.RunPython.noop)]
