"""Forms of the bid pages: validate and normalise only (the rules are in `auctions.bidding.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from capacity_market import bulk_import

from .services import MAX_KW, MAX_YEN, price_refusal, quantity_refusal


class WholeNumberField(forms.IntegerField):
    """A whole number typed as people do: full-width digits and thousands separators accepted (１，０００ → 1000)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = bulk_import.normalise_number(value)
            if value and not (value.isascii() and value.isdigit() or value[0] == "-" and value[1:].isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class BidRowForm(forms.Form):
    """One row of the bid page (prefix: the resource's pk). Both empty: no bid for that resource in this save.

    With `auction` and `expected_kw` (the resource's approved expected capacity), a quantity outside the smallest
    bid … expected capacity and a price above the upper price are refused with the service's messages
    (`submit_bids` checks them again)."""

    quantity_kw = WholeNumberField(label=_("Quantity (kW)"), required=False, min_value=1, max_value=MAX_KW,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}))
    price_yen = WholeNumberField(label=_("Price (yen/kW)"), required=False, min_value=0, max_value=MAX_YEN,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, auction=None, expected_kw: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auction, self.expected_kw = auction, expected_kw
        # With the auction known, the service's refusals state the real bounds with separators (「最低応札容量
        # 1,000 kW」, 「上限価格 13,500円/kW」) instead of the generic field limits (「1 以上」, 「2147483647 以下」).
        if auction is not None:
            self.fields["price_yen"].validators = []
            if expected_kw is not None:
                self.fields["quantity_kw"].validators = []

    def clean_quantity_kw(self):
        quantity = self.cleaned_data.get("quantity_kw")
        if quantity is not None and self.auction is not None and self.expected_kw is not None:
            refusal = quantity_refusal(quantity, auction=self.auction, expected_kw=self.expected_kw)
            if refusal is not None:
                raise forms.ValidationError(refusal, code="quantity_out_of_range")
        return quantity

    def clean_price_yen(self):
        price = self.cleaned_data.get("price_yen")
        if price is not None and self.auction is not None:
            refusal = price_refusal(price, auction=self.auction)
            if refusal is not None:
                raise forms.ValidationError(refusal, code="price_out_of_range")
        return price

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
