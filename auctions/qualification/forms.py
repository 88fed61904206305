"""Forms of the operator pages: validate and normalise only."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_KW = 2**31 - 1


class ExpectedCapacityForm(forms.Form):
    """The expected capacity of one resource. `computed=True` (variable resources) drops the kW field: the value
    is computed from the adjustment-factor table and cannot be typed."""

    expected_kw = forms.IntegerField(label=_("Expected capacity (kW)"), min_value=1, max_value=MAX_KW)
    applicant_comment = forms.CharField(label=_("Note to OCCTO (optional)"), required=False, max_length=1000,
                                        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, computed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if computed:
            del self.fields["expected_kw"]
