"""Bulk registration of resources by CSV (電源等情報の一括登録), on the generic engine `capacity_market.bulk_import`.

One row per resource; a row whose 親系統コード (parent grid code) is filled is a member unit of the resource with
that grid code in the same file (only 系統コード, エリア, 発電方式 and 設備容量(kW) are read from a unit row).
A grid code of one of the operator's registered resources makes a change application (unchanged resources are
skipped); any other grid code a new application. Choice columns take the Japanese labels of the template (or
the English labels or keys). See docs/resources.md for the format.
"""

import datetime
import re
from collections import Counter
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from capacity_market import bulk_import
from capacity_market.bulk_import import Row, RowError
from capacity_market.review import OPEN_STATUSES, ApplicationKind

from . import rules, services
from .choices import Area, FitStatus, GenerationType, ResourceCategory
from .models import Operator, Resource, ResourceApplication

KIND = "registration.resources"

COL_GRID_CODE = "系統コード"
COL_PARENT = "親系統コード"
COL_NAME = "電源等名称"
COL_AREA = "エリア"
COL_CATEGORY = "区分"
COL_TYPE = "発電方式"
COL_KW = "設備容量(kW)"
COL_COMMISSIONING = "運転開始日"
COL_ADJUST = "出力調整"
COL_FIT = "FIT/FIP"
COL_SUPPORT_END = "FIT/FIP支援終了日"
COL_HOURS = "継続運転時間(h)"
COL_OWNER = "所有者"
HEADERS = (COL_GRID_CODE, COL_PARENT, COL_NAME, COL_AREA, COL_CATEGORY, COL_TYPE, COL_KW, COL_COMMISSIONING,
           COL_ADJUST, COL_FIT, COL_SUPPORT_END, COL_HOURS, COL_OWNER)

FIELD_COLUMNS = {
    "grid_code": COL_GRID_CODE, "name": COL_NAME, "area": COL_AREA, "category": COL_CATEGORY,
    "generation_type": COL_TYPE, "installed_kw": COL_KW, "commissioning_date": COL_COMMISSIONING,
    "can_adjust_output": COL_ADJUST, "fit_status": COL_FIT, "support_end_date": COL_SUPPORT_END,
    "continuous_output_hours": COL_HOURS, "owner_name": COL_OWNER,
}
YES = {"可", "あり", "有", "はい", "○", "1", "true", "yes", "y"}
NO = {"不可", "なし", "無", "いいえ", "×", "0", "false", "no", "n", ""}
DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
HOURS_RE = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")  # plain ASCII decimals: no exponent, NaN or other digits
MAX_NAME = 200


def _choice_lookup(choices) -> dict[str, str]:
    """Key, Japanese label and English label (case-insensitive) → key."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        for language in ("ja", "en"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = value
    return lookup


def japanese_label(choices, value: str) -> str:
    with translation.override("ja"):
        return str(choices(value).label)


def yes_no(value: bool) -> str:
    return "可" if value else "不可"


class _RowParser:
    def __init__(self):
        self.areas = _choice_lookup(Area)
        self.categories = _choice_lookup(ResourceCategory)
        self.types = _choice_lookup(GenerationType)
        self.fit = _choice_lookup(FitStatus)
        self.fit[""] = FitStatus.NONE

    def parse(self, row: Row, *, unit: bool) -> tuple[dict, list[RowError]]:
        v = row.values
        errors: list[RowError] = []
        out: dict = {}

        def err(column: str, message) -> None:
            errors.append(RowError(row.line, column, str(message)))

        if "__extra__" in v:
            err("", _("The row has more columns than the header."))
        code = re.sub(r"[\s\-]", "", v[COL_GRID_CODE])
        if not code:
            err(COL_GRID_CODE, _("Enter the grid code."))
        elif not rules.is_grid_code(code):
            err(COL_GRID_CODE, _("A grid code is exactly 22 half-width digits."))
        out["grid_code"] = code

        def choice(column: str, lookup: dict, field: str, *, required: bool = True) -> None:
            raw = v[column]
            if not raw and not required:
                return
            key = lookup.get(raw.strip().lower())
            if key is None:
                err(column, _("Enter one of: %(choices)s.") % {
                    "choices": ", ".join(sorted({k for k in lookup if k and not k.isascii()} or set(lookup)))})
            else:
                out[field] = key

        choice(COL_AREA, self.areas, "area")
        choice(COL_TYPE, self.types, "generation_type")
        out["installed_kw"] = self._integer(v[COL_KW], COL_KW, err)
        if unit:
            return out, errors

        name = v[COL_NAME]
        if not name:
            err(COL_NAME, _("Enter the resource name."))
        elif len(name) > MAX_NAME:
            err(COL_NAME, _("At most %(max)s characters.") % {"max": MAX_NAME})
        out["name"] = name
        choice(COL_CATEGORY, self.categories, "category")
        choice(COL_FIT, self.fit, "fit_status", required=False)
        out.setdefault("fit_status", FitStatus.NONE)
        out["commissioning_date"] = self._date(v[COL_COMMISSIONING], COL_COMMISSIONING, err, required=True)
        out["support_end_date"] = self._date(v[COL_SUPPORT_END], COL_SUPPORT_END, err, required=False)
        adjust = v[COL_ADJUST].strip().lower()
        if adjust in YES:
            out["can_adjust_output"] = True
        elif adjust in NO:
            out["can_adjust_output"] = False
        else:
            err(COL_ADJUST, _("Enter 可 or 不可."))
        out["continuous_output_hours"] = self._hours(v[COL_HOURS], err)
        owner = v[COL_OWNER]
        if len(owner) > MAX_NAME:
            err(COL_OWNER, _("At most %(max)s characters.") % {"max": MAX_NAME})
        out["owner_name"] = owner
        return out, errors

    @staticmethod
    def _integer(raw: str, column: str, err) -> int | None:
        if not bulk_import.normalise_number(raw):
            err(column, _("Enter the installed capacity in whole kW."))
            return None
        value = bulk_import.whole_number(raw, maximum=2**31 - 1)
        if not value:
            err(column, _("Enter the installed capacity in whole kW (at least 1)."))
            return None
        return value

    @staticmethod
    def _date(raw: str, column: str, err, *, required: bool) -> datetime.date | None:
        if not raw:
            if required:
                err(column, _("Enter a date as YYYY-MM-DD (or YYYY/MM/DD)."))
            return None
        match = DATE_RE.match(raw)
        try:
            if not match:
                raise ValueError
            return datetime.date(*(int(g) for g in match.groups()))
        except ValueError:
            err(column, _("Enter a date as YYYY-MM-DD (or YYYY/MM/DD)."))
            return None

    @staticmethod
    def _hours(raw: str, err) -> Decimal | None:
        """The number as written; its range (0–24) is checked by rules.check_resource, as for the form."""
        if not raw:
            return None
        hours = Decimal(raw) if HOURS_RE.fullmatch(raw) else None
        if hours is None:
            err(COL_HOURS, _("Enter the hours as a number with at most one decimal (e.g. 3 or 4.5)."))
            return None
        if rules.continuous_output_hours_error(hours) is None and hours != hours.quantize(Decimal("0.1")):
            err(COL_HOURS, _("Enter the hours as a number with at most one decimal (e.g. 3 or 4.5)."))
            return None
        return hours


class _Plan:
    """One resource of the file: its row, values, unit rows and the registered resource it changes (if any)."""

    def __init__(self, row: Row, values: dict):
        self.row = row
        self.values = values
        self.unit_rows: list[tuple[Row, dict]] = []
        self.resource: Resource | None = None
        self.unchanged = False

    @property
    def units(self) -> list[dict]:
        return [u for _r, u in self.unit_rows]


class ResourceImportSpec(bulk_import.ImportSpec):
    kind = KIND
    headers = HEADERS
    detail_url_name = "registration:resource_import_job"

    @property
    def task(self):
        from .tasks import run_import_job

        return run_import_job

    def plan(self, rows: list[Row], *, job, progress) -> tuple[list[_Plan], list[RowError]]:
        parser = _RowParser()
        errors: list[RowError] = []
        plans: dict[str, _Plan] = {}
        units: list[tuple[Row, dict, str]] = []
        codes = Counter()
        for index, row in enumerate(rows, start=1):
            parent = re.sub(r"[\s\-]", "", row.values[COL_PARENT])
            values, row_errors = parser.parse(row, unit=bool(parent))
            errors += row_errors
            codes[values["grid_code"]] += 1
            if parent:
                units.append((row, values, parent))
            elif values["grid_code"] not in plans:
                plans[values["grid_code"]] = _Plan(row, values)
            if index % bulk_import.PROGRESS_EVERY == 0:
                progress(index // 2)  # reading the rows is the first half of the work, checking them the second
        for code, count in codes.items():
            if code and count > 1:
                lines = [r.line for r in rows if re.sub(r"[\s\-]", "", r.values[COL_GRID_CODE]) == code]
                for line in lines[1:]:
                    errors.append(RowError(line, COL_GRID_CODE, _("This grid code appears more than once in the "
                                                                  "file (first on line %(line)s).")
                                           % {"line": lines[0]}))
        for row, values, parent in units:
            plan = plans.get(parent)
            if plan is None:
                errors.append(RowError(row.line, COL_PARENT, _("No resource row with this grid code in the file.")))
            else:
                plan.unit_rows.append((row, values))

        existing = {
            r.grid_code: r for r in Resource.objects.filter(
                operator_id=job.operator_id, is_active=True, grid_code__in=list(plans),
            ).prefetch_related("units")
        }
        busy = set(ResourceApplication.objects.filter(
            resource__in=existing.values(), status__in=OPEN_STATUSES,
            kind__in=[ApplicationKind.CHANGE, ApplicationKind.DELETION],
        ).values_list("resource_id", flat=True))
        for code, plan in plans.items():
            resource = existing.get(code)
            if resource is None:
                continue
            if resource.pk in busy:
                errors.append(RowError(plan.row.line, COL_GRID_CODE, _(
                    "This resource already has an open change or deletion application.")))
            plan.resource = resource
            plan.unchanged = not services.resource_changed(resource, plan.values, plan.units)

        all_codes = [c for c in codes if c]
        taken = rules.grid_code_conflicts(all_codes, exclude_resource_ids=[r.pk for r in existing.values()])
        done = len(rows) // 2
        for plan in plans.values():
            if plan.values["grid_code"] in taken:
                errors.append(RowError(plan.row.line, COL_GRID_CODE,
                                       _("This grid code is already registered or applied for.")))
            for row, unit in plan.unit_rows:
                if unit["grid_code"] in taken:
                    errors.append(RowError(row.line, COL_GRID_CODE,
                                           _("This grid code is already registered or applied for.")))
            checked = [(r, u) for r, u in plan.unit_rows
                       if u.get("installed_kw") is not None and "area" in u and "generation_type" in u]
            some_units_unreadable = len(checked) < len(plan.unit_rows)
            for field, message in rules.check_resource(plan.values, [u for _r, u in checked]):
                line, column = plan.row.line, FIELD_COLUMNS.get(field or "", "")
                if field and field.startswith("units."):
                    _units, n, unit_field = field.split(".")
                    line, column = checked[int(n) - 1][0].line, FIELD_COLUMNS.get(unit_field, "")
                elif field == "units":
                    column = COL_PARENT
                if some_units_unreadable and field in ("installed_kw", "units"):
                    continue  # the unreadable unit rows have their own errors; a total would only mislead
                errors.append(RowError(line, column, message))
            done += 1 + len(plan.unit_rows)
            progress(min(done, len(rows)))
        progress(len(rows))
        return list(plans.values()), errors

    def validate(self, rows, *, job, progress):
        _plans, errors = self.plan(rows, job=job, progress=progress)
        return _dedupe(errors)

    def apply(self, rows, *, job, actor, progress) -> int:
        plans, errors = self.plan(rows, job=job, progress=lambda n: None)
        if errors:
            raise services.DomainError(_("The file has errors; nothing was imported."))
        operator = Operator.objects.get(pk=job.operator_id)
        items = [(p.resource, p.values, p.units, 1 + len(p.unit_rows)) for p in plans if not p.unchanged]
        return services.import_resource_applications(operator=operator, actor=actor, items=items, import_job=job,
                                                     progress=progress)


def _dedupe(errors: list[RowError]) -> list[RowError]:
    seen: set[tuple] = set()
    out = []
    for e in errors:
        key = (e.row, e.column, e.message)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


SPEC = bulk_import.register(ResourceImportSpec())


def export_rows(resources) -> list[list]:
    """The rows of the CSV export (same format as the import): each resource, then its member units."""
    rows: list[list] = []
    for r in resources:
        rows.append([
            r.grid_code, "", r.name, japanese_label(Area, r.area), japanese_label(ResourceCategory, r.category),
            japanese_label(GenerationType, r.generation_type), r.installed_kw,
            r.commissioning_date.isoformat(), yes_no(r.can_adjust_output), japanese_label(FitStatus, r.fit_status),
            r.support_end_date.isoformat() if r.support_end_date else "",
            "" if r.continuous_output_hours is None else r.continuous_output_hours, r.owner_name,
        ])
        for u in r.units.all():
            rows.append([u.grid_code, r.grid_code, "", japanese_label(Area, u.area), "",
                         japanese_label(GenerationType, u.generation_type), u.installed_kw,
                         "", "", "", "", "", ""])
    return rows
