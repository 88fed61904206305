"""Helpers of the resource tests: valid values of a resource (as the forms, the CSV import and the services take
them). Resources themselves are made by `tests.factories.ResourceFactory`."""

import datetime

from tests.factories import grid_code


def resource_values(**overrides) -> dict:
    """A valid stable LNG resource of 150,000 kW in Tokyo."""
    values = {
        "grid_code": grid_code(),
        "name": "みらい火力1号機",
        "area": "tokyo",
        "category": "stable",
        "generation_type": "lng",
        "installed_kw": 150_000,
        "commissioning_date": datetime.date(2005, 4, 1),
        "can_adjust_output": True,
        "fit_status": "none",
        "support_end_date": None,
        "continuous_output_hours": None,
        "owner_name": "",
    }
    values.update(overrides)
    return values


def aggregate_values(units, **overrides) -> dict:
    values = {"name": "みらいPVアグリ", "category": "variable_aggregate", "generation_type": "solar",
              "installed_kw": sum(u["installed_kw"] for u in units), "can_adjust_output": False}
    return resource_values(**{**values, **overrides})

