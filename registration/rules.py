"""The rules a resource (電源等) must satisfy, shared by the forms, the services and the CSV import.

`check_resource(values, units)` is pure: it returns every violation as (field, message), `field` being a
resource field name, "units" for the member-unit list, or None. `grid_code_conflicts(...)` asks the database
which grid codes are already held. `is_fit_eligible(resource, delivery_fiscal_year)` decides FIT/FIP
eligibility for one auction (the delivery year is per auction, so registration only checks consistency).
See docs/resources.md for the rules and the decisions behind them.
"""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from capacity_market import numbers
from capacity_market.review import OPEN_STATUSES, ApplicationKind

from .choices import (
    AGGREGATED_CATEGORIES,
    STORAGE_TYPES,
    Area,
    FitStatus,
    GenerationType,
    ResourceCategory,
)

# Each member unit of an aggregated variable resource is below this installed capacity (domain.md §1). The
# category thresholds are not here: they apply to the expected capacity approved for an auction, a parameter of
# the auction (`Auction.threshold_kw`), checked by auctions.qualification; installed capacity only bounds the
# expected capacity from above.
AGGREGATE_UNIT_LIMIT_KW = 1000
MIN_STORAGE_HOURS = Decimal(3)  # batteries and pumped storage as stable resources
MAX_UNITS = 2000  # member units of one resource
# Plausible bounds, shared by the model validators, the DB constraints, the forms and the CSV import:
# continuous output hours are hours within one day (24 = can run around the clock); a commissioning date
# outside these years is a typing error (0001-01-01, 9999-12-31), not a plant.
MIN_CONTINUOUS_OUTPUT_HOURS = Decimal(0)
MAX_CONTINUOUS_OUTPUT_HOURS = Decimal(24)
MIN_COMMISSIONING_DATE = datetime.date(1900, 1, 1)
MAX_COMMISSIONING_DATE = datetime.date(2100, 12, 31)
GRID_CODE_RE = re.compile(r"^[0-9]{22}$")
# Types a variable (natural, non-dispatchable) resource may be: wind, PV, run-of-river hydro.
VARIABLE_TYPES = frozenset({GenerationType.SOLAR, GenerationType.WIND, GenerationType.HYDRO})

# (field, message): field is a resource field name, "units" for the unit list as a whole,
# "units.<n>.<unit field>" for the n-th member unit (1-based), or None.
Violation = tuple[str | None, str]


def is_grid_code(value) -> bool:
    return isinstance(value, str) and bool(GRID_CODE_RE.match(value))


def continuous_output_hours_error(value) -> str | None:
    """The message for continuous output hours outside 0–24 (None when in range or not given)."""
    if value is None or MIN_CONTINUOUS_OUTPUT_HOURS <= Decimal(value) <= MAX_CONTINUOUS_OUTPUT_HOURS:
        return None
    return str(_("Enter the continuous output hours as a number from %(min)s to %(max)s (24 for a resource that "
                 "can run around the clock).") % {"min": MIN_CONTINUOUS_OUTPUT_HOURS,
                                                  "max": MAX_CONTINUOUS_OUTPUT_HOURS})


def commissioning_date_error(value) -> str | None:
    """The message for a commissioning date outside 1900-01-01 – 2100-12-31 (None when in range or not given)."""
    if value is None or MIN_COMMISSIONING_DATE <= value <= MAX_COMMISSIONING_DATE:
        return None
    return str(_("Enter a commissioning date from %(min)s to %(max)s.")
               % {"min": MIN_COMMISSIONING_DATE.isoformat(), "max": MAX_COMMISSIONING_DATE.isoformat()})


def validate_continuous_output_hours(value) -> None:
    """Model-field validator (the form path); the CSV path reports the same message through check_resource."""
    message = continuous_output_hours_error(value)
    if message:
        raise ValidationError(message, code="continuous_output_hours_range")


def validate_commissioning_date(value) -> None:
    """Model-field validator (the form path); the CSV path reports the same message through check_resource."""
    message = commissioning_date_error(value)
    if message:
        raise ValidationError(message, code="commissioning_date_range")


def check_resource(values: Mapping, units: Sequence[Mapping]) -> list[Violation]:
    """Every rule violation of one resource and its member units (an empty list means valid).

    `values` holds the resource fields (as the model stores them); `units` the member units' grid_code, area,
    generation_type and installed_kw. Fields missing from `values` are not checked (the form reports them).
    """
    errors: list[Violation] = []
    category = values.get("category")
    generation_type = values.get("generation_type")
    installed_kw = values.get("installed_kw")
    grid_code = values.get("grid_code")
    area = values.get("area")

    if grid_code is not None and not is_grid_code(grid_code):
        errors.append(("grid_code", str(_("A grid code is exactly 22 half-width digits."))))
    if area is not None and area not in Area.values:
        errors.append(("area", str(_("Choose one of the 9 areas."))))

    aggregated = category in AGGREGATED_CATEGORIES
    if units and not aggregated and category is not None:
        errors.append(("units", str(_("Only aggregated categories (variable aggregated, dispatch-instruction) have "
                                      "member units; remove the units or change the category."))))
    if category == ResourceCategory.VARIABLE_AGGREGATE and not units:
        errors.append(("units", str(_("An aggregated variable resource needs its member units."))))

    if category in (ResourceCategory.VARIABLE, ResourceCategory.VARIABLE_AGGREGATE) and generation_type is not None \
            and generation_type not in VARIABLE_TYPES:
        errors.append(("generation_type", str(_("A variable resource is solar, wind or run-of-river hydro."))))
    if generation_type == GenerationType.DR and category is not None and category != ResourceCategory.DISPATCH:
        errors.append(("generation_type", str(_("Demand response can only be a dispatch-instruction resource."))))

    if installed_kw is not None:
        if installed_kw < 1:
            errors.append(("installed_kw", str(_("Enter the installed capacity in whole kW (at least 1)."))))
        if units and aggregated:
            total = sum(int(u.get("installed_kw") or 0) for u in units)
            if installed_kw != total:
                errors.append(("installed_kw", str(
                    _("The installed capacity of an aggregated resource must equal the total of its member units "
                      "(%(total)s kW).") % {"total": numbers.number(total)})))

    message = commissioning_date_error(values.get("commissioning_date"))
    if message:
        errors.append(("commissioning_date", message))

    hours = values.get("continuous_output_hours")
    message = continuous_output_hours_error(hours)
    if message:
        errors.append(("continuous_output_hours", message))
    elif category == ResourceCategory.STABLE and generation_type in STORAGE_TYPES:
        if hours is None:
            errors.append(("continuous_output_hours", str(
                _("Batteries and pumped storage registered as stable resources must state their continuous "
                  "output hours."))))
        elif Decimal(hours) < MIN_STORAGE_HOURS:
            errors.append(("continuous_output_hours", str(
                _("Batteries and pumped storage registered as stable resources must run at least 3 hours "
                  "continuously; register them as dispatch-instruction resources otherwise."))))

    fit_status = values.get("fit_status")
    end = values.get("support_end_date")
    if fit_status in (FitStatus.FIT, FitStatus.FIP) and end is None:
        errors.append(("support_end_date", str(_("Enter the end date of the FIT/FIP support period."))))
    if fit_status == FitStatus.NONE and end is not None:
        errors.append(("support_end_date", str(_("A support end date is only given for FIT or FIP resources."))))

    errors.extend(_check_units(units, grid_code=grid_code, category=category, area=area))
    return errors


def _check_units(units: Sequence[Mapping], *, grid_code, category, area) -> list[Violation]:
    errors: list[Violation] = []
    if len(units) > MAX_UNITS:
        errors.append(("units", str(_("A resource has at most %(max)s member units.") % {"max": numbers.number(MAX_UNITS)})))
    seen: set[str] = set()
    for index, unit in enumerate(units, start=1):

        def add(field: str, message, index=index) -> None:
            errors.append((f"units.{index}.{field}", str(_("Member unit %(n)s: %(message)s")
                                                         % {"n": index, "message": message})))

        code = unit.get("grid_code")
        if not is_grid_code(code):
            add("grid_code", _("A grid code is exactly 22 half-width digits."))
        elif code in seen:
            add("grid_code", _("This grid code appears twice in the list."))
        elif code == grid_code:
            add("grid_code", _("A member unit cannot have the grid code of the resource itself."))
        seen.add(code)
        if area is not None and unit.get("area") != area:
            add("area", _("A member unit must be in the same area as the resource."))
        kw = unit.get("installed_kw")
        if kw is None or int(kw) < 1:
            add("installed_kw", _("Enter the installed capacity in whole kW (at least 1)."))
        elif category == ResourceCategory.VARIABLE_AGGREGATE and int(kw) >= AGGREGATE_UNIT_LIMIT_KW:
            add("installed_kw", _("Each member of an aggregated variable resource must be below %(limit)s kW.")
                % {"limit": numbers.number(AGGREGATE_UNIT_LIMIT_KW)})
        if category == ResourceCategory.VARIABLE_AGGREGATE and unit.get("generation_type") not in VARIABLE_TYPES:
            add("generation_type", _("A variable resource is solar, wind or run-of-river hydro."))
    return errors


def grid_code_conflicts(
    codes: Iterable[str], *, exclude_resource_ids: Iterable[int] = (), exclude_application_ids: Iterable[int] = (),
) -> set[str]:
    """The grid codes among `codes` already held by an active resource (or one of its member units) or proposed
    by an open application (or one of its proposed units) — other than the excluded resources/applications."""
    from .models import Resource, ResourceApplication, ResourceApplicationUnit, ResourceUnit

    codes = {c for c in codes if c}
    if not codes:
        return set()
    exclude_resource_ids = list(exclude_resource_ids)
    exclude_application_ids = list(exclude_application_ids)
    taken: set[str] = set()
    taken.update(Resource.objects.filter(is_active=True, grid_code__in=codes)
                 .exclude(pk__in=exclude_resource_ids).values_list("grid_code", flat=True))
    taken.update(ResourceUnit.objects.filter(resource__is_active=True, grid_code__in=codes)
                 .exclude(resource_id__in=exclude_resource_ids).values_list("grid_code", flat=True))
    open_apps = (
        ResourceApplication.objects.filter(status__in=OPEN_STATUSES)
        .exclude(kind=ApplicationKind.DELETION)
        .exclude(pk__in=exclude_application_ids)
        .exclude(Q(resource_id__in=exclude_resource_ids) & Q(resource__isnull=False))
    )
    taken.update(open_apps.filter(grid_code__in=codes).values_list("grid_code", flat=True))
    taken.update(ResourceApplicationUnit.objects.filter(application__in=open_apps, grid_code__in=codes)
                 .values_list("grid_code", flat=True))
    return taken


def check_grid_codes_free(values: Mapping, units: Sequence[Mapping], *, resource_id: int | None = None,
                          application_id: int | None = None) -> list[Violation]:
    """Violations for grid codes (the resource's and its units') already held elsewhere."""
    exclude_r = [resource_id] if resource_id else []
    exclude_a = [application_id] if application_id else []
    unit_codes = [u.get("grid_code") for u in units]
    taken = grid_code_conflicts([values.get("grid_code"), *unit_codes],
                                exclude_resource_ids=exclude_r, exclude_application_ids=exclude_a)
    errors: list[Violation] = []
    if values.get("grid_code") in taken:
        errors.append(("grid_code", str(_("This grid code is already registered or applied for."))))
    for index, code in enumerate(unit_codes, start=1):
        if code in taken:
            errors.append((f"units.{index}.grid_code", str(
                _("Member unit %(n)s: %(message)s")
                % {"n": index, "message": _("This grid code is already registered or applied for.")})))
    return errors


def is_fit_eligible(resource, delivery_fiscal_year: int) -> bool:
    """Whether a resource may take part in an auction for `delivery_fiscal_year` (April–March) as to FIT/FIP.

    FIT resources are not eligible unless their FIT period ends before the delivery year begins; FIP resources
    whose support overlaps the delivery year are treated as FIT (domain.md §1). No end date → not eligible.
    """
    if resource.fit_status not in (FitStatus.FIT, FitStatus.FIP):
        return True
    end = resource.support_end_date
    return end is not None and end < datetime.date(delivery_fiscal_year, 4, 1)
