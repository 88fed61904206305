"""Helpers of the resource tests: valid values and resources made through the real services."""

import datetime
import itertools

from capacity_market import review
from registration import services
from registration.models import Resource

_codes = itertools.count(1)


def grid_code() -> str:
    """A fresh, valid grid code (22 digits)."""
    return f"03{next(_codes):020d}"


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


def unit(kw: int = 400, *, area: str = "tokyo", generation_type: str = "solar", code: str | None = None) -> dict:
    return {"grid_code": code or grid_code(), "area": area, "generation_type": generation_type, "installed_kw": kw}


def aggregate_values(units, **overrides) -> dict:
    values = {"name": "みらいPVアグリ", "category": "variable_aggregate", "generation_type": "solar",
              "installed_kw": sum(u["installed_kw"] for u in units), "can_adjust_output": False}
    return resource_values(**{**values, **overrides})


def approved_resource(*, operator, actor, reviewer, units=(), **overrides) -> Resource:
    """A resource registered through a new application approved by `reviewer`."""
    values = resource_values(**overrides)
    application = services.submit_new_resource_application(operator=operator, actor=actor, values=values,
                                                           units=list(units))
    services.approve_resource_application(application=application, actor=reviewer,
                                          expected_version=application.version)
    application.refresh_from_db()
    assert application.status == review.ReviewStatus.APPROVED
    return application.resource
