"""Clearing inside the system (約定処理): OCCTO closes the bids, clears them (re-runnable) and publishes one run.

The rule itself lives in the pure engine (`auctions.clearing`); this module only reads the auction from the
database into the engine's input, runs the engine in a Celery task and stores what it returns:

1. `close_bids`: an OCCTO administrator freezes the bids, at or after the bid window's closing instant (once).
2. `start_clearing`: makes a queued `ClearingRun` (its own tie-break seed) and queues `tasks.run_clearing`.
3. `run_clearing` (the task): reads the active bids, clears, stores the prices, totals and one `ClearingOutcome`
   per active bid (winners and losers), reporting progress in short transactions a poller can see. Any error
   marks the run failed with its text; a run is never left running because of an exception.
4. `publish_run`: the explicit, audited step that shows one succeeded run to operators. Only one run per
   auction is ever published, and nothing can be re-run afterwards.

Every run is its own row: re-running replaces nothing, so earlier unpublished runs stay for comparison. A run's
status changes only through `ClearingRun.states` (`capacity_market.state_machine`: queued → running → succeeded →
published, or failed; the table is declared on the model and each move is audited as
"auctions.clearingrun.<status>"); progress reports are not moves and are not audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from capacity_market import audit, numbers
from capacity_market.errors import DomainError
from capacity_market.roles import is_occto_admin

from .. import clearing
from ..models import (
    AreaDrCap,
    Auction,
    AuctionKind,
    Bid,
    BidStatus,
    ClearingOutcome,
    ClearingRun,
    ClearingRunStatus,
    FixedSupplyItem,
    ShortBlock,
)
from ..qualification import services as qualification_services
from ..schedule import phases

logger = logging.getLogger(__name__)

OUTCOME_BATCH = 5_000
# The steps of a run as the poller shows them (stored in English, translated when shown).
STEP_QUEUED = gettext_noop("Waiting for a worker")
STEP_READING = gettext_noop("Reading the bids")
STEP_CLEARING = gettext_noop("Clearing")
STEP_STORING = gettext_noop("Storing the results")
STEP_DONE = gettext_noop("Done")
STEP_FAILED = gettext_noop("Failed")
STEP_NOT_QUEUED = gettext_noop("The clearing could not be queued; start it again.")
# Where the progress bar (in %) stands as each step starts. Reading the bids and running the engine are quick;
# storing one outcome per bid is most of a large run, so it fills the bar from PROGRESS_STORING batch by batch up
# to PROGRESS_STORED. 100 is only shown once the run is saved as succeeded.
PROGRESS_CLEARING = 30
PROGRESS_STORING = 50
PROGRESS_STORED = 99


class ClearingRefused(DomainError):
    """A refused close, start or publication; `message` says why."""


def _require_admin(actor) -> None:
    if not is_occto_admin(actor):
        raise ClearingRefused(_("Only OCCTO administrators may close bids, clear or publish results."))


def _jst(instant) -> str:
    return formats.date_format(timezone.localtime(instant, phases.JST), "Y-m-d H:i:s")


def _lock(auction: Auction) -> Auction:
    return Auction.objects.select_for_update().get(pk=auction.pk)


# --- the engine's input from the database ---------------------------------------------------------------------------
def _parameters(*, auction: Auction, seed: str) -> dict:
    """The clearing-format document of the auction without its bids (the input summary of a run, less bid_count)."""
    fixed_supply = sum(FixedSupplyItem.objects.filter(auction=auction).values_list("kw", flat=True))
    blocks = ShortBlock.objects.filter(auction=auction).order_by("order", "pk")
    area_caps = dict(AreaDrCap.objects.filter(auction=auction).values_list("area", "cap_kw"))
    return {
        "auction": auction.code,
        "demand_curve": {
            "upper_price": format(auction.upper_price, "f"),
            "q_upper_kw": auction.q_upper_kw,
            "net_cone": format(auction.net_cone.normalize(), "f"),
            "target_kw": auction.target_kw,
            "q_zero_kw": auction.q_zero_kw,
        },
        "fixed_supply_kw": fixed_supply,
        "dr_cap_kw": auction.dr_cap_kw,
        # Additional auctions: the DR cap of each area OCCTO entered (in the order of the areas); null when none.
        "dr_caps_kw_by_area": {area: area_caps[area] for area in clearing.AREAS if area in area_caps} or None,
        "tie_break_seed": seed,
        "short_blocks": [
            {"name": block.name, "areas": list(block.areas), "additional_kw": block.additional_kw,
             "adjacent": block.adjacent or "national"}
            for block in blocks
        ],
    }


def clearable_bids(auction: Auction):
    """The auction's bids that take part in its clearing: the active ones, except, in an additional auction, those
    of resources that won the main auction of the same delivery year (`qualification.services.ineligible_reasons`:
    a bid placed before that result was published stays on record, refused from the clearing; the bid page says
    so). Two queries at most to decide."""
    bids = Bid.objects.filter(auction=auction, status=BidStatus.ACTIVE)
    if auction.kind == AuctionKind.ADDITIONAL:
        resource_ids = set(bids.values_list("resource_id", flat=True))
        if excluded := qualification_services.ineligible_reasons(auction=auction, resource_ids=resource_ids):
            bids = bids.exclude(resource_id__in=excluded)
    return bids


def _active_bids(auction: Auction):
    """(pk, operator id, area, category, quantity kW, price) of every bid that takes part (`clearable_bids`), in bid
    order. Area and category are the bid's own (the resource's at the bid's acceptance), never the resource's
    today: a bid is cleared as it was submitted."""
    return (clearable_bids(auction).order_by("pk")
            .values_list("pk", "operator_id", "area", "category", "quantity_kw", "price_yen"))


def _validated(document: dict) -> clearing.AuctionInput:
    """The engine's own validation (io.validate): the same checks as a file given to clear_auction."""
    try:
        return clearing.validate(document)
    except clearing.InvalidInput as invalid:
        raise ClearingRefused(
            _("The auction cannot be cleared: %(problems)s") % {"problems": "; ".join(invalid.problems)}
        ) from None


def engine_input(*, auction: Auction, seed: str, rows: list | None = None) -> clearing.AuctionInput:
    """The engine's input of the auction as it is in the database now: its ACTIVE bids (id = `Bid.bid_code`, the
    area and category the bid was accepted with, quantity, price), fixed supply = the sum of its items, the DR cap and
    the DR caps by area, the demand curve (upper price exact) and the short blocks in order. Raises ClearingRefused listing every problem.

    `rows` (optional): the `_active_bids` rows, when the caller has already read them."""
    rows = list(_active_bids(auction)) if rows is None else rows
    document = _parameters(auction=auction, seed=seed)
    document["bids"] = _bid_documents(rows)
    return _validated(document)


def _bid_documents(rows) -> list[dict]:
    return [
        {"id": Bid(pk=pk).bid_code, "area": area, "category": category, "quantity_kw": quantity, "price": price}
        for pk, _operator, area, category, quantity, price in rows
    ]


def input_summary(*, auction: Auction, seed: str, bid_count: int) -> dict:
    """What a run keeps of its input: the clearing-format document without the bids, plus `bid_count`."""
    document = _parameters(auction=auction, seed=seed)
    _validated({**document, "bids": []})
    return {**document, "bid_count": bid_count}


def export_input(*, auction: Auction, seed: str) -> str:
    """The auction's clearing input as a clearing-format JSON file (for `manage.py clear_auction`)."""
    return clearing.serialise_input(engine_input(auction=auction, seed=seed))


def _run_bids(run: ClearingRun):
    """The bids a run cleared, from its stored outcomes (the values copied at the clearing), in bid order: the same
    rows as `_active_bids` gave the run, whatever happened to the bids, resources or short blocks since."""
    return (ClearingOutcome.objects.filter(run=run).order_by("bid_id")
            .values_list("bid_id", "operator_id", "area", "category", "quantity_kw", "price_yen"))


def export_run_input(*, run: ClearingRun) -> str:
    """The input a succeeded run cleared, as a clearing-format JSON file: its recorded parameters and seed
    (`input_summary`: demand curve, fixed supply, DR caps, short blocks) with the bids of its stored outcomes, so
    `clear_auction` reproduces the run's result exactly, even after bids, resources or short blocks changed. Runs
    that did not succeed keep no outcomes, hence no bids to export: refused."""
    if not run.has_results:
        raise ClearingRefused(_("Only a succeeded clearing run keeps the bids it cleared; this run has no input to "
                                "download."))
    document = {key: value for key, value in run.input_summary.items() if key != "bid_count"}
    if not document:
        raise ClearingRefused(_("This clearing run has no recorded input."))
    document["bids"] = _bid_documents(_run_bids(run))
    return clearing.serialise_input(_validated(document))


def default_seed(auction: Auction) -> str:
    """The seed of the next run: "<auction code>-<run number>"."""
    return f"{auction.code}-{ClearingRun.objects.filter(auction=auction).count() + 1}"


# --- closing the bids -------------------------------------------------------------------------------------------------
@transaction.atomic
def close_bids(*, auction: Auction, actor) -> Auction:
    """Freeze the auction's bids (応札締切): OCCTO administrators only, at or after `bid_closes_at`, once."""
    _require_admin(actor)
    auction = _lock(auction)
    if auction.bids_closed_at is not None:
        raise ClearingRefused(_("The bids of this auction were already closed at %(at)s (JST).")
                              % {"at": _jst(auction.bids_closed_at)})
    now = timezone.now()
    if now < auction.bid_closes_at:
        raise ClearingRefused(_("The bid window closes at %(at)s (JST); the bids cannot be closed before.")
                              % {"at": _jst(auction.bid_closes_at)})
    auction.bids_closed_at = now
    auction.bids_closed_by = actor
    auction.save(update_fields=["bids_closed_at", "bids_closed_by", "updated_at"])
    active = Bid.objects.filter(auction=auction, status=BidStatus.ACTIVE).count()
    audit.record(action="auctions.bids_closed", actor=actor, target=auction,
                 after={"bids_closed_at": now, "active_bids": active})
    return auction


# --- starting, running and publishing a clearing ---------------------------------------------------------------------
def _refuse_if_not_clearable(auction: Auction) -> None:
    if auction.bids_closed_at is None:
        raise ClearingRefused(_("Close the bids before clearing."))
    runs = ClearingRun.objects.filter(auction=auction)
    if runs.filter(status=ClearingRunStatus.PUBLISHED).exists():
        raise ClearingRefused(_("The results of this auction are published; it cannot be cleared again."))
    if runs.filter(status__in=[ClearingRunStatus.QUEUED, ClearingRunStatus.RUNNING]).exists():
        raise ClearingRefused(_("A clearing of this auction is already queued or running; wait for it to finish."))


@transaction.atomic
def start_clearing(*, auction: Auction, actor, seed: str | None = None) -> ClearingRun:
    """Queue a clearing of the auction's closed bids: OCCTO administrators only; refused while a run is queued or
    running and once a run is published. `seed` (the tie-break seed) defaults to "<code>-<run number>"."""
    _require_admin(actor)
    auction = _lock(auction)
    _refuse_if_not_clearable(auction)
    seed = (seed or "").strip() or default_seed(auction)
    if len(seed) > ClearingRun._meta.get_field("tie_break_seed").max_length:
        raise ClearingRefused(_("The tie-break seed is too long (at most 100 characters)."))
    # Refuses bad parameters (short blocks, curve) now rather than in the task.
    bid_count = clearable_bids(auction).count()
    summary = input_summary(auction=auction, seed=seed, bid_count=bid_count)
    try:
        with transaction.atomic():
            run = ClearingRun.objects.create(auction=auction, tie_break_seed=seed, started_by=actor,
                                             input_summary=summary, progress_label=STEP_QUEUED)
    except IntegrityError:
        raise ClearingRefused(
            _("A clearing of this auction is already queued or running; wait for it to finish.")) from None
    audit.record(action="auctions.clearing_started", actor=actor, target=run,
                 after={"auction": auction.pk, "tie_break_seed": seed})
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    """Queue the task; when the broker cannot be reached the run fails at once instead of waiting forever."""
    from .. import tasks

    try:
        tasks.run_clearing.delay(run_id)
    except Exception as exc:  # the broker is down: say so on the run rather than leave it queued
        logger.exception("clearing run %s could not be queued", run_id)
        error = f"{_(STEP_NOT_QUEUED)} ({exc})"
        # Only if still queued: a worker may have picked the task up after all.
        ClearingRun.states.claim(ClearingRun.objects.get(pk=run_id), expect=ClearingRunStatus.QUEUED,
                                 to=ClearingRunStatus.FAILED, actor_label="celery", details={"error": error},
                                 progress_label=STEP_FAILED, finished_at=timezone.now(), error=error)


def _progress(run_id: int, percent: int, step: str) -> None:
    """Record progress in its own short transaction (the task runs in autocommit), so the poller sees it."""
    ClearingRun.objects.filter(pk=run_id).update(progress=percent, progress_label=step)


def _outcomes(run: ClearingRun, rows: list, result: clearing.ClearingResult) -> Iterator[ClearingOutcome]:
    awards = {award[0]: award for award in result.awards}
    excluded = set(result.excluded_by_dr_cap)
    for pk, operator_id, area, category, quantity, price in rows:
        code = Bid(pk=pk).bid_code
        award = awards.get(code)
        yield ClearingOutcome(
            run_id=run.pk, bid_id=pk, operator_id=operator_id, area=area, category=category, quantity_kw=quantity,
            price_yen=price, awarded_kw=award[1] if award else 0, paid_price=award[2] if award else None,
            amount_yen=award[3] if award else 0, excluded_by_dr_cap=code in excluded,
        )


def run_clearing(run_id: int) -> ClearingRun | None:
    """Clear one queued run (what the Celery task calls). A run that is not queued any more is left alone (a
    re-delivered task does nothing). Any error marks the run failed with its text."""
    run = ClearingRun.objects.select_related("auction", "started_by").filter(pk=run_id).first()
    # The claim: under the row lock, only the delivery that finds the run still queued runs it.
    claimed = run is not None and ClearingRun.states.claim(
        run, expect=ClearingRunStatus.QUEUED, to=ClearingRunStatus.RUNNING, actor_label="celery",
        started_at=timezone.now(), progress=0, progress_label=STEP_READING)
    if not claimed:
        return None
    try:
        rows = list(_active_bids(run.auction))
        auction_input = engine_input(auction=run.auction, seed=run.tie_break_seed, rows=rows)
        summary = {**clearing.input_document(auction_input, with_bids=False), "bid_count": len(rows)}
        _progress(run.pk, PROGRESS_CLEARING, STEP_CLEARING)
        result = clearing.clear(auction_input)
        _progress(run.pk, PROGRESS_STORING, STEP_STORING)
        outcomes = _outcomes(run, rows, result)
        stored = 0
        while batch := list(islice(outcomes, OUTCOME_BATCH)):
            ClearingOutcome.objects.bulk_create(batch)
            stored += len(batch)
            share = (PROGRESS_STORED - PROGRESS_STORING) * stored // max(len(rows), 1)
            _progress(run.pk, PROGRESS_STORING + share, STEP_STORING)
        with transaction.atomic():
            results = {"national_price": result.national_price, "area_prices": dict(result.area_prices),
                       "awarded_kw": result.awarded_kw, "total_amount_yen": result.total_amount_yen,
                       "bid_count": len(rows)}
            succeeded = ClearingRun.states.claim(
                run, expect=ClearingRunStatus.RUNNING, to=ClearingRunStatus.SUCCEEDED, actor_label="celery",
                details={**results, "tie_break_seed": run.tie_break_seed},
                input_summary=summary, progress=100, progress_label=STEP_DONE, finished_at=timezone.now(),
                **results,
            )
            if not succeeded:  # marked failed meanwhile (abandon_run): keep nothing
                ClearingOutcome.objects.filter(run_id=run.pk).delete()
                return ClearingRun.objects.get(pk=run.pk)
        return run
    except Exception as exc:  # noqa: BLE001 — whatever went wrong, the run must end failed, with the reason
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, DomainError):
            logger.exception("clearing run %s failed", run_id)
        _fail(run_id, str(message))
        return ClearingRun.objects.get(pk=run_id)


def _fail(run_id: int, message: str) -> None:
    with transaction.atomic():
        run = ClearingRun.objects.select_for_update().get(pk=run_id)
        if run.has_results:  # never: the run's results are committed before anything else can fail
            return
        ClearingOutcome.objects.filter(run_id=run_id).delete()  # no partial results on a failed run
        # A run already marked failed (abandon_run) keeps the reason it was given.
        ClearingRun.states.claim(run, expect=ClearingRunStatus.RUNNING, to=ClearingRunStatus.FAILED,
                                 actor_label="celery", details={"error": message},
                                 progress_label=STEP_FAILED, finished_at=timezone.now(), error=message)


@transaction.atomic
def abandon_run(*, run: ClearingRun, actor, reason: str = "") -> ClearingRun:
    """Mark a queued or running run failed (a worker that died, a broker that lost the task), so that the auction can
    be cleared again. OCCTO administrators only; audited. Should the task still finish, it stores nothing."""
    _require_admin(actor)
    _lock(run.auction)
    run = ClearingRun.objects.select_for_update().get(pk=run.pk)
    if not ClearingRun.states.can_transition(run.status, ClearingRunStatus.FAILED):
        raise ClearingRefused(_("Only a queued or running clearing run can be marked failed."))
    error = _("Marked failed by %(user)s.") % {"user": actor} + (f" {reason.strip()}" if reason.strip() else "")
    ClearingRun.states.transition(run, to=ClearingRunStatus.FAILED, actor=actor,
                                  details={"error": error, "progress": run.progress},
                                  progress_label=STEP_FAILED, finished_at=timezone.now(), error=error)
    ClearingOutcome.objects.filter(run=run).delete()
    return run


@transaction.atomic
def publish_run(*, run: ClearingRun, actor) -> ClearingRun:
    """Publish one succeeded run to operators (explicit and audited): OCCTO administrators only, once per auction.
    After this the auction can no longer be cleared again."""
    _require_admin(actor)
    _lock(run.auction)
    run = ClearingRun.objects.select_for_update().select_related("auction").get(pk=run.pk)
    if run.is_published:
        raise ClearingRefused(_("This clearing run is already published."))
    if not ClearingRun.states.can_transition(run.status, ClearingRunStatus.PUBLISHED):
        raise ClearingRefused(_("Only a succeeded clearing run can be published."))
    if ClearingRun.objects.filter(auction_id=run.auction_id, status=ClearingRunStatus.PUBLISHED).exists():
        raise ClearingRefused(_("Another clearing run of this auction is already published."))
    now = timezone.now()
    try:
        ClearingRun.states.transition(
            run, to=ClearingRunStatus.PUBLISHED, actor=actor,
            details={"published_at": now, "national_price": run.national_price,
                     "total_amount_yen": run.total_amount_yen},
            published_at=now, published_by=actor,
        )
    except IntegrityError:  # the database's one-published-run-per-auction constraint (the savepoint is undone)
        raise ClearingRefused(_("Another clearing run of this auction is already published.")) from None
    _announce(run=run, actor=actor)
    return run


def _announce(*, run: ClearingRun, actor) -> None:
    """Tell every operator, through a notice (お知らせ) on their home page, that the results are published. Written in
    Japanese like the notices OCCTO writes; OCCTO may e-mail it from the notice admin."""
    from django.conf import settings
    from django.urls import reverse

    from notices.models import Notice, NoticeCategory, NoticeImportance
    from notices.services import notice_save

    auction = run.auction
    url = settings.SITE_URL.rstrip("/") + reverse("auctions:results", kwargs={"pk": auction.pk})
    with translation.override("ja"):  # the notice is in Japanese whatever the publisher's language
        price, awarded = numbers.yen_per_kw(run.national_price), numbers.kw(run.awarded_kw)
    notice = Notice(
        title=f"約定結果の公表：{auction.name}", category=NoticeCategory.AUCTION, importance=NoticeImportance.HIGH,
        publish_from=run.published_at, to_all_operators=True,
        body=(f"{auction.name}の約定結果を公表しました。\n\n"
              f"全国の約定価格：{price}\n"
              f"落札容量の合計：{awarded}\n\n"
              f"エリアプライス、自社の落札結果、供給曲線と需要曲線は次のページでご確認ください。\n{url}"),
    )
    notice_save(actor=actor, notice=notice, operators=[])


# --- reading (for the admin's poller) ---------------------------------------------------------------------------------
def run_status(run: ClearingRun) -> dict:
    """The run's state for the polling admin page (JSON-safe, labels in the user's language)."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "progress": run.progress,
        "step": _(run.progress_label) if run.progress_label else "",
        "finished": run.status not in (ClearingRunStatus.QUEUED, ClearingRunStatus.RUNNING),
        "national_price": run.national_price,
        "error": run.error,
    }
