"""The 事業者コード becomes a field of the use application (entered by the applicant, no longer generated on
approval): applications made before carry their operator's code; an open use application without one must be
returned so its applicant enters it (its approval is refused until then). The applicant's language shows its name."""

import django.core.validators
import re
from django.conf import settings
from django.db import migrations, models


def copy_operator_codes(apps, schema_editor):
    OperatorApplication = apps.get_model("registration", "OperatorApplication")
    for application in OperatorApplication.objects.filter(operator__isnull=False).select_related("operator"):
        application.code = application.operator.code
        application.save(update_fields=["code"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_occto_groups'),
        ('capacity_market', '0002_audit_append_only'),
        ('registration', '0002_terms_version_3_2'),
        ('tenants', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='operatorapplication',
            name='code',
            field=models.CharField(blank=True, max_length=10, validators=[django.core.validators.RegexValidator(re.compile('^[0-9A-Z]{5}$'), 'An operator code is exactly 5 half-width capital letters or digits (e.g. A1234).', code='operator_code_format')], verbose_name='operator code'),
        ),
        migrations.AlterField(
            model_name='operatorapplication',
            name='applicant_language',
            field=models.CharField(choices=[('ja', '日本語'), ('en', 'English')], default='ja', max_length=10, verbose_name='applicant language'),
        ),
        migrations.RunPython(copy_operator_codes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='operatorapplication',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'new'), ('status__in', ['draft', 'returned', 'submitted', 'under_review']), models.Q(('code', ''), _negated=True)), fields=('code',), name='one_open_use_application_per_operator_code'),
        ),
    ]
