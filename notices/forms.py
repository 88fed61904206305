"""The notice form OCCTO administrators fill in the admin screens. It validates and normalises only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notice


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = [
            "title", "body", "category", "importance", "publish_from", "publish_until", "to_all_operators",
            "operators",
        ]

    def clean(self):
        cleaned = super().clean()
        publish_from, publish_until = cleaned.get("publish_from"), cleaned.get("publish_until")
        if publish_from and publish_until and publish_until <= publish_from:
            self.add_error("publish_until", _("The end of publication must be after its start."))
        if not cleaned.get("to_all_operators") and not cleaned.get("operators"):
            self.add_error("operators", _("Choose at least one operator, or address the notice to all operators."))
        return cleaned
