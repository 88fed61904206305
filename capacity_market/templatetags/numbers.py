"""The template side of `capacity_market.numbers`: `{% load numbers %}` then

    {{ resource.installed_kw|num }}        50,000          (the column heading says "(kW)")
    {{ bid.quantity_kw|kw }}               50,000 kW
    {{ run.total_amount_yen|yen }}         1,234,567円     / 1,234,567 yen
    {{ auction.upper_price|yen_per_kw }}   15,112.5円/kW   / 15,112.5 yen/kW

None gives "—". Use these instead of `humanize`'s `intcomma` (tests/test_numbers_everywhere.py keeps it so).
"""

from django import template

from capacity_market import numbers

register = template.Library()

register.filter("num", numbers.number, is_safe=True)
register.filter("kw", numbers.kw, is_safe=True)
register.filter("yen", numbers.yen, is_safe=True)
register.filter("yen_per_kw", numbers.yen_per_kw, is_safe=True)
