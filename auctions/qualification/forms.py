"""Forms of the operator pages: validate and normalise only."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_KW = 2**31 - 1


class ExpectedCapacityForm(forms.Form):
    """The expected capacity of one resource. `computed=True` (variable resources) drops the kW field: the value
    is computed from the adjustment-factor table and cannot be typed. With `auction` and `resource`, a value below
    the auction's category threshold is refused with the service's message (the service checks it again)."""

    expected_kw = forms.IntegerField(label=_("Expected capacity (kW)"), min_value=1, max_value=MAX_KW)
    applicant_comment = forms.CharField(label=_("Note to OCCTO (optional)"), required=False, max_length=1000,
                                        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, computed: bool = False, auction=None, resource=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auction, self.resource = auction, resource
        if computed:
            del self.fields["expected_kw"]

    def clean_expected_kw(self):
        from .services import threshold_refusal

        kw = self.cleaned_data.get("expected_kw")
        if kw is not None and self.auction is not None and self.resource is not None:
            refusal = threshold_refusal(auction=self.auction, category=self.resource.category, expected_kw=kw)
            if refusal is not None:
                raise forms.ValidationError(refusal, code="below_threshold")
        return kw
