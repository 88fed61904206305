"""Forms of the bid pages: validate and normalise only (the rules are in `auctions.bidding.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from capacity_market import bulk_import

from .services import MAX_KW, MAX_YEN


class WholeNumberField(forms.IntegerField):
    """A whole number typed as people do: full-width digits and thousands separators accepted (１，０００ → 1000)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = bulk_import.normalise_number(value)
            if value and not (value.isascii() and value.isdigit() or value[0] == "-" and value[1:].isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class BidRowForm(forms.Form):
    """One row of the bid page (prefix: the resource's pk). Both empty: no bid for that resource in this save."""

    quantity_kw = WholeNumberField(label=_("Quantity (kW)"), required=False, min_value=1, max_value=MAX_KW,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}))
    price_yen = WholeNumberField(label=_("Price (yen/kW)"), required=False, min_value=0, max_value=MAX_YEN,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def clean(self):
        data = super().clean()
        quantity, price = data.get("quantity_kw"), data.get("price_yen")
        if not self.errors and (quantity is None) != (price is None):
            raise forms.ValidationError(_("Enter both the quantity and the price, or leave both empty."))
        return data

    @property
    def is_empty(self) -> bool:
        return self.cleaned_data.get("quantity_kw") is None and self.cleaned_data.get("price_yen") is None


class SubmissionKeyForm(forms.Form):
    """The idempotency key rendered into each form (a new UUID per GET): a double POST stores once."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class WithdrawBidForm(SubmissionKeyForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
