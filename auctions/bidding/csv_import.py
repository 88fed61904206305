"""Bids by CSV (応札の一括登録), on the generic engine `capacity_market.bulk_import`.

One row per resource, all rows for one auction: オークション (the auction's code, e.g. ``main-2030``), 系統コード (one
of the operator's qualified resources), 電源等名称(参考) (ignored), 応札容量(kW) and 応札価格(円/kW) (whole numbers,
thousands separators allowed), バージョン (the version of the bid the file was based on, as the template gives it).
The version is what keeps two users of one operator from overwriting each other's bids:

- a row for a resource that already has a bid must carry that bid's version, and it must still be the stored one
  (else the row is refused, naming who changed the bid when);
- an empty version is accepted only for a resource without a bid; it means "a new bid", so a bid someone else makes
  between the check and the confirmation refuses the file too.

The check reports these per row; at confirmation `bidding.submit_bids` compares the versions again under the row
locks (the authority: a change after the check refuses the whole file with who and when, nothing is stored). The
whole file is stored as ONE receipt (`BidSubmission`, source "csv"), so every rule of the bid page applies, all or
nothing. See docs/auctions.md.
"""

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from capacity_market import bulk_import
from capacity_market.bulk_import import Row, RowError

from .. import csv_rows
from ..models import Auction, Bid, BidSource
from . import services as bidding

KIND = "auctions.bids"
COL_AUCTION = csv_rows.COL_AUCTION
COL_GRID_CODE = csv_rows.COL_GRID_CODE
COL_NAME = "電源等名称(参考)"
COL_KW = "応札容量(kW)"
COL_PRICE = "応札価格(円/kW)"
COL_VERSION = "バージョン"
HEADERS = (COL_AUCTION, COL_GRID_CODE, COL_NAME, COL_KW, COL_PRICE, COL_VERSION)
FIELD_COLUMNS = {"resource": COL_GRID_CODE, "quantity_kw": COL_KW, "price_yen": COL_PRICE}
KEY_NAMESPACE = uuid.UUID("6f1c3a52-2b1e-4b0e-9a57-6d0f5b1c2a10")


def idempotency_key_for(job) -> uuid.UUID:
    """The import's idempotency key: one per job, so a job run twice stores its bids once."""
    return uuid.uuid5(KEY_NAMESPACE, f"{KIND}:{job.pk}")


def _whole(raw: str, limit: int) -> int | None:
    return bulk_import.whole_number(raw, maximum=limit)


class _Plan:
    def __init__(self):
        self.auction: Auction | None = None
        self.entries: list[bidding.BidEntry] = []
        self.lines: list[int] = []
        self.given_versions: list[int | None] = []


class BidImportSpec(bulk_import.ImportSpec):
    kind = KIND
    headers = HEADERS
    detail_url_name = "auctions:bid_import_job"

    @property
    def task(self):
        from ..tasks import run_import_job

        return run_import_job

    def plan(self, rows: list[Row], *, job, progress, confirming: bool = False) -> tuple[_Plan, list[RowError]]:
        """The entries of the file and its errors by row and column. `confirming`: the versions are left to
        `submit_bids`, which compares them under the row locks and names who changed a bid when (the engine
        would otherwise replace a row error found at confirmation by a message naming no one)."""
        errors: list[RowError] = []
        plan = _Plan()
        auctions = csv_rows.auctions_by_code()
        codes, resources = csv_rows.grid_codes_and_resources(rows, operator_id=job.operator_id)
        first_auction_line = None
        for index, (row, code) in enumerate(zip(rows, codes, strict=True), start=1):
            def err(column: str, message, row=row) -> None:
                errors.append(RowError(row.line, column, str(message)))

            auction, resource = csv_rows.check_row(row, code, auctions=auctions, resources=resources, err=err)
            if auction is not None and plan.auction is None:
                plan.auction, first_auction_line = auction, row.line
            elif auction is not None and auction.pk != plan.auction.pk:
                err(COL_AUCTION, _("All rows of a file must be for one auction (line %(line)s is for %(code)s).")
                    % {"line": first_auction_line, "code": plan.auction.code})
            quantity = _whole(row.values[COL_KW], bidding.MAX_KW)
            if quantity is None:
                err(COL_KW, _("Enter the quantity as a whole number of kW."))
            price = _whole(row.values[COL_PRICE], bidding.MAX_YEN)
            if price is None:
                err(COL_PRICE, _("Enter the price as a whole number of yen/kW."))
            raw_version = row.values[COL_VERSION].strip()
            version = _whole(raw_version, 2**31 - 1) if raw_version else None
            if raw_version and not version:
                err(COL_VERSION, _("Leave the version empty or copy it from the template."))
            if resource is not None and quantity is not None and price is not None:
                plan.entries.append(bidding.BidEntry(resource.pk, quantity, price, version))
                plan.lines.append(row.line)
                plan.given_versions.append(version)
            if index % bulk_import.PROGRESS_EVERY == 0:
                progress(index)
        if plan.auction is not None:
            refusal = bidding.window_refusal(plan.auction, timezone.now())
            if refusal is not None:
                errors.append(RowError(first_auction_line, COL_AUCTION, str(refusal)))
            for problem in bidding.check_entries(auction=plan.auction, operator_id=job.operator_id,
                                                 entries=plan.entries):
                errors.append(RowError(plan.lines[problem.index], FIELD_COLUMNS[problem.field], problem.message))
            if not confirming:
                errors.extend(self._version_errors(plan, resources))
        progress(len(rows))
        return plan, errors

    @staticmethod
    def _version_errors(plan: _Plan, resources: dict) -> list[RowError]:
        """A row must carry the version of the resource's stored bid (empty only when there is no bid yet)."""
        stored = {b.resource_id: b for b in Bid.objects.filter(
            auction=plan.auction, resource_id__in=[e.resource_id for e in plan.entries])}
        by_pk = {r.pk: r for r in resources.values()}
        errors = []
        for entry, line in zip(plan.entries, plan.lines, strict=True):
            bid = stored.get(entry.resource_id)
            if entry.expected_version is None and bid is not None:
                errors.append(RowError(line, COL_VERSION, _(
                    "This resource already has a bid (version %(version)s): enter the version of the bid your file "
                    "is based on, as the template gives it, so that nobody's change is overwritten unseen.")
                    % {"version": bid.version}))
            elif entry.expected_version is not None and (bid is None or bid.version != entry.expected_version):
                errors.append(RowError(line, COL_VERSION, bidding.conflict_message(by_pk[entry.resource_id], bid)))
        return errors

    def validate(self, rows, *, job, progress):
        confirming = job.status == bulk_import.Status.IMPORTING  # the engine checks again before `apply`
        return self.plan(rows, job=job, progress=progress, confirming=confirming)[1]

    def apply(self, rows, *, job, actor, progress) -> int:
        plan, errors = self.plan(rows, job=job, progress=lambda n: None, confirming=True)
        if errors or plan.auction is None:
            raise bidding.BidRefused(_("The file has errors; nothing was imported."))
        # Every entry goes with the version of its row (None: a new bid); submit_bids compares them with the
        # stored bids under the row locks, so a bid changed or made by someone since the check refuses the file.
        try:
            submission = bidding.submit_bids(auction=plan.auction, actor=actor, entries=plan.entries,
                                             idempotency_key=idempotency_key_for(job), source=BidSource.CSV,
                                             import_job=job)
        except bidding.NothingToSubmit:
            return 0
        except bidding.BidConflict as exc:
            raise bidding.BidConflict(" ".join((exc.message, _(
                "Download the template again: it has the current bids and versions.")))) from exc
        progress(len(rows))
        return submission.bid_count

    def template_rows_for(self, *, auction: Auction, rows) -> list[list]:
        """The template of one auction: one row per qualified resource, with its current bid and version."""
        out = []
        for row in rows:
            bid = row.bid
            out.append([auction.code, row.resource.grid_code, row.resource.name,
                        bid.quantity_kw if bid else "", bid.price_yen if bid else "", bid.version if bid else ""])
        return out


SPEC = bulk_import.register(BidImportSpec())
