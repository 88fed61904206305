"""Bulk registration of expected capacity by CSV (期待容量の一括登録), on the generic engine
`capacity_market.bulk_import`.

One row per resource and auction: オークション (the auction's code, e.g. ``main-2030``, as the template gives it),
系統コード (one of the operator's registered resources), 期待容量(kW) (whole kW; for variable resources leave it
empty or give exactly the computed value: it is computed from the auction's adjustment factor), 備考 (optional).
The same rules as the form apply to every row; a row equal to the approved value is skipped. See docs/auctions.md.
"""


from django.utils.translation import gettext as _

from capacity_market import bulk_import
from capacity_market.bulk_import import Row, RowError
from capacity_market.errors import DomainError
from capacity_market.review import OPEN_STATUSES
from registration.models import Resource

from .. import csv_rows
from ..models import Auction, ExpectedCapacity, ExpectedCapacityApplication, is_variable
from ..schedule import phases
from . import services

KIND = "auctions.expected_capacity"
COL_AUCTION = csv_rows.COL_AUCTION
COL_GRID_CODE = csv_rows.COL_GRID_CODE
COL_NAME = "電源等名称(参考)"
COL_KW = "期待容量(kW)"
COL_NOTE = "備考"
HEADERS = (COL_AUCTION, COL_GRID_CODE, COL_NAME, COL_KW, COL_NOTE)
MAX_NOTE = 1000
MAX_KW = 2**31 - 1


class _Plan:
    def __init__(self, row: Row, auction: Auction, resource: Resource, expected_kw: int | None, note: str):
        self.row, self.auction, self.resource, self.expected_kw, self.note = row, auction, resource, expected_kw, note
        self.unchanged = False


class ExpectedCapacityImportSpec(bulk_import.ImportSpec):
    kind = KIND
    headers = HEADERS
    detail_url_name = "auctions:import_job"

    @property
    def task(self):
        from ..tasks import run_import_job

        return run_import_job

    def plan(self, rows: list[Row], *, job, progress) -> tuple[list[_Plan], list[RowError]]:
        errors: list[RowError] = []
        auctions = csv_rows.auctions_by_code()
        codes, resources = csv_rows.grid_codes_and_resources(rows, operator_id=job.operator_id)
        busy = set(ExpectedCapacityApplication.objects.filter(
            resource__in=resources.values(), status__in=OPEN_STATUSES).values_list("resource_id", "auction_id"))
        approved = {(e.resource_id, e.auction_id): e for e in ExpectedCapacity.objects.filter(
            resource__in=resources.values())}
        accepting: dict[int, bool] = {}
        ineligible: dict[int, dict[int, str]] = {}  # auction → resource → why it may not take part (additional)
        service_open = phases.service_window_open()
        seen: dict[tuple[int, int], int] = {}
        plans: list[_Plan] = []
        for index, (row, code) in enumerate(zip(rows, codes, strict=True), start=1):
            def err(column: str, message, row=row) -> None:
                errors.append(RowError(row.line, column, str(message)))

            auction, resource = csv_rows.check_row(row, code, auctions=auctions, resources=resources, err=err)
            if auction is not None and auction.pk not in accepting:
                state = phases.phase_state(auction, service_open=service_open)
                accepting[auction.pk] = state.expected_capacity_by_clock
            if auction is not None and not accepting[auction.pk]:
                err(COL_AUCTION, _("This auction does not accept expected capacity now (registration window until "
                                   "the expected-capacity deadline)."))
            raw_kw = bulk_import.normalise_number(row.values[COL_KW])
            expected_kw = None
            if raw_kw:
                expected_kw = bulk_import.whole_number(raw_kw, maximum=MAX_KW)
                if expected_kw is None:
                    err(COL_KW, _("Enter a whole number of kW."))
                    raw_kw = "invalid"
            note = row.values[COL_NOTE]
            if len(note) > MAX_NOTE:
                err(COL_NOTE, _("At most %(max)s characters.") % {"max": MAX_NOTE})
            if auction is None or resource is None or raw_kw == "invalid":
                continue
            key = (resource.pk, auction.pk)
            if key in seen:
                err(COL_GRID_CODE, _("This resource appears more than once for this auction in the file (first on "
                                     "line %(line)s).") % {"line": seen[key]})
                continue
            seen[key] = row.line
            if key in busy:
                err(COL_GRID_CODE, _("This resource already has an open expected-capacity application for this "
                                     "auction."))
            if auction.pk not in ineligible:
                ineligible[auction.pk] = services.ineligible_reasons(
                    auction=auction, resource_ids=[r.pk for r in resources.values()])
            if resource.pk in ineligible[auction.pk]:
                err(COL_GRID_CODE, ineligible[auction.pk][resource.pk])
                continue
            try:
                values = services.proposed_values(auction=auction, resource=resource,
                                                  expected_kw=None if is_variable(resource.category) else expected_kw)
            except DomainError as exc:
                err(COL_KW, exc.message)
                continue
            if is_variable(resource.category) and expected_kw is not None and expected_kw != values["expected_kw"]:
                err(COL_KW, _("A variable resource's expected capacity is computed: %(working)s. Leave the cell "
                              "empty or enter %(kw)s.")
                    % {"working": f"{resource.installed_kw:,} kW × {values['adjustment_factor']} = "
                                  f"{values['expected_kw']:,} kW", "kw": values["expected_kw"]})
                continue
            plan = _Plan(row, auction, resource, expected_kw, note)
            current = approved.get(key)
            plan.unchanged = current is not None and current.expected_kw == values["expected_kw"] \
                and current.adjustment_factor == values["adjustment_factor"]
            plans.append(plan)
            if index % bulk_import.PROGRESS_EVERY == 0:
                progress(index)
        progress(len(rows))
        return plans, errors

    def validate(self, rows, *, job, progress):
        return self.plan(rows, job=job, progress=progress)[1]

    def apply(self, rows, *, job, actor, progress) -> int:
        plans, errors = self.plan(rows, job=job, progress=lambda n: None)
        if errors:
            raise DomainError(_("The file has errors; nothing was imported."))
        items = [(p.auction, p.resource, p.expected_kw, p.note) for p in plans if not p.unchanged]
        return services.import_expected_capacity_applications(actor=actor, items=items, import_job=job,
                                                              progress=progress)

    def template_rows_for(self, *, auction: Auction, resources) -> list[list]:
        """The template of one auction, one row per registered resource (variable ones: the computed value)."""
        rows = []
        for resource in resources:
            kw = ""
            if is_variable(resource.category):
                try:
                    working = services.adjustment_working(auction=auction, resource=resource)
                except DomainError:
                    working = None
                kw = working[0] if working else ""
            rows.append([auction.code, resource.grid_code, resource.name, kw, ""])
        return rows


SPEC = bulk_import.register(ExpectedCapacityImportSpec())
