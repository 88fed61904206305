"""Bids (応札): the operator's writes. Keyword-only, atomic, audited; refusals are `DomainError`s.

One call of `submit_bids` (a save of the bid page, or one CSV file) stores all its entries as one receipt
(`BidSubmission`) or nothing. The rules, checked in this order:

1. The idempotency key: a submission of the operator with the same key is returned as it is and nothing changes
   (a double-click, a retried POST, a re-run import). Checked first, again once the bids are locked, and a race
   on the unique constraint returns the winner's submission.
2. The actor is an active user of an active operator; each resource is the operator's, active, and qualified
   (has an `ExpectedCapacity` for the auction, and in an additional auction did not win the main auction of the
   same delivery year: `qualification.services.ineligible_reasons`); the auction's smallest bid
   (`Auction.min_bid_kw`) ≤ quantity ≤ the approved expected kW; 0 ≤ price ≤ the upper price in whole yen (an
   upper price of x.5 yen allows x).
3. Optimistic locking: the operator's bids of the entries are locked (`select_for_update`, by primary key, so two
   submissions never deadlock) and each entry's `expected_version` must be the stored one (None: no bid yet). A
   difference refuses the whole submission naming who changed which bid when; two new bids racing on one resource
   meet the unique constraint and get the same refusal.
4. THE CLOSING INSTANT: `now` is read AFTER the locks were acquired, inside the transaction, and the submission is
   accepted only if `bid_opens_at ≤ now < bid_closes_at`, the service window is open at `now` and OCCTO has not
   closed the bids. `accepted_at = now`, so every receipt is strictly before the close.

An entry equal to the current active bid is skipped (no new version); a withdrawn bid submitted again is active
again ("rebid"). Every stored version takes the resource's area and category at that instant (the snapshot the
clearing reads): a new, changed or re-submitted bid is refreshed to the resource's current values (an entry equal
to its bid whose resource has moved area or category since is stored as a change), a withdrawal keeps the ones it
was bid with. The submitter gets a receipt e-mail in their language once the transaction commits.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from capacity_market import audit, numbers
from capacity_market.errors import DomainError
from capacity_market.notifications import notify
from registration.models import Operator, Resource

from ..models import (
    Auction,
    Bid,
    BidAction,
    BidSource,
    BidStatus,
    BidSubmission,
    BidVersion,
    ClearingRun,
    ExpectedCapacity,
)
from ..qualification.services import ineligible_reasons
from ..schedule import phases

MAX_KW = 2**31 - 1
MAX_YEN = 2**31 - 1
KEY_CONSTRAINT = "one_bid_submission_per_key"
BID_CONSTRAINT = "one_bid_per_resource_and_auction"


@dataclass(frozen=True)
class BidEntry:
    """One line of a submission: the resource, the bid, and the version of its bid the user saw (None: none)."""

    resource_id: int
    quantity_kw: int
    price_yen: int
    expected_version: int | None = None


@dataclass(frozen=True)
class EntryError:
    """A refused entry: its position in the submission, the field ("resource", "quantity_kw", "price_yen") and why."""

    index: int
    field: str
    message: str


class BidRefused(DomainError):
    """The submission was refused as a whole; nothing was stored."""


class BidsInvalid(BidRefused):
    """Some entries break the rules; `errors` lists every one of them."""

    def __init__(self, errors: list[EntryError]):
        self.errors = errors
        rows = len({error.index for error in errors})  # one bid with two bad cells is one bid with errors
        super().__init__(ngettext("%(count)s bid has an error; nothing was saved.",
                                  "%(count)s bids have errors; nothing was saved.", rows)
                         % {"count": numbers.number(rows)})


class BidConflict(BidRefused):
    """A bid was changed by someone else since it was read (optimistic locking)."""


class NothingToSubmit(BidRefused):
    """Every entry equals the current bid: there is nothing to store (and no receipt)."""


def max_price(auction: Auction) -> int:
    """The highest price in whole yen: the upper price rounded down (15,112.5 → 15,112)."""
    return int(Decimal(auction.upper_price).to_integral_value(rounding=ROUND_FLOOR))


def _as_entry(entry) -> BidEntry:
    return entry if isinstance(entry, BidEntry) else BidEntry(*entry)


def _who(user) -> str:
    return (user.full_name or user.login_id) if user is not None else "—"


def _hms(instant: dt.datetime) -> str:
    return timezone.localtime(instant, phases.JST).strftime("%H:%M:%S")


# --- the rules ------------------------------------------------------------------------------------------------------
def quantity_refusal(quantity_kw, *, auction: Auction, expected_kw: int) -> str | None:
    """Why `quantity_kw` is not a valid bid quantity for a resource qualified with `expected_kw`, or None: a whole
    number from the auction's smallest bid (`Auction.min_bid_kw`) up to the approved expected capacity. The bid
    page's form, the CSV check and `submit_bids` all answer with this."""
    smallest = auction.min_bid_kw
    if not isinstance(quantity_kw, int) or isinstance(quantity_kw, bool):
        return str(_("The quantity must be a whole number of kW."))
    if expected_kw < smallest:
        return str(_("This resource cannot bid in this auction: its approved expected capacity (%(expected)s kW) "
                     "is below the smallest bid (%(min)s kW).")
                   % {"expected": numbers.number(expected_kw), "min": numbers.number(smallest)})
    if quantity_kw < smallest:
        return str(_("The quantity (%(kw)s kW) is below the smallest bid of this auction (%(min)s kW); bid from "
                     "%(min)s kW up to the approved expected capacity (%(expected)s kW).")
                   % {"kw": numbers.number(quantity_kw), "min": numbers.number(smallest),
                      "expected": numbers.number(expected_kw)})
    if quantity_kw > expected_kw:
        return str(_("The quantity (%(kw)s kW) cannot exceed the approved expected capacity (%(expected)s kW).")
                   % {"kw": numbers.number(quantity_kw), "expected": numbers.number(expected_kw)})
    return None


def price_refusal(price_yen, *, auction: Auction, ceiling: int | None = None) -> str | None:
    """Why `price_yen` is not a valid bid price, or None: whole yen/kW from 0 to the upper price rounded down."""
    ceiling = max_price(auction) if ceiling is None else ceiling
    if not isinstance(price_yen, int) or isinstance(price_yen, bool) or price_yen < 0:
        return str(_("The price must be a whole number of yen/kW, 0 or more."))
    if price_yen > ceiling:
        return str(_("The price (%(price)s yen/kW) cannot exceed the upper price (%(upper)s yen/kW; whole yen: at "
                     "most %(max)s).")
                   % {"price": numbers.number(price_yen), "upper": numbers.number(auction.upper_price),
                      "max": numbers.number(ceiling)})
    return None


def check_entries(*, auction: Auction, operator_id: int, entries: list[BidEntry]) -> list[EntryError]:
    """Every rule broken by the entries (resource, qualification, quantity, price, duplicates). Two queries (four in
    an additional auction), whatever the count; saves nothing. The CSV check shows these by row; `submit_bids`
    refuses on any."""
    ids = [e.resource_id for e in entries]
    resources = {r.pk: r for r in Resource.objects.filter(pk__in=ids, operator_id=operator_id, is_active=True)}
    qualified = {q.resource_id: q for q in ExpectedCapacity.objects.filter(auction=auction, resource_id__in=ids)}
    ineligible = ineligible_reasons(auction=auction, resource_ids=qualified)  # additional: the main's winners
    ceiling = max_price(auction)
    errors: list[EntryError] = []
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        def err(field: str, message, index=index) -> None:
            errors.append(EntryError(index, field, str(message)))

        resource = resources.get(entry.resource_id)
        if resource is None:
            err("resource", _("This is not one of your operator's registered resources."))
            continue
        if entry.resource_id in seen:
            err("resource", _("This resource appears more than once in the submission."))
            continue
        seen.add(entry.resource_id)
        qualification = qualified.get(entry.resource_id)
        if qualification is None:
            err("resource", _("This resource has no approved expected capacity (participation qualification) for "
                              "this auction."))
            continue
        if entry.resource_id in ineligible:
            err("resource", ineligible[entry.resource_id])
            continue
        if (refusal := quantity_refusal(entry.quantity_kw, auction=auction,
                                        expected_kw=qualification.expected_kw)) is not None:
            err("quantity_kw", refusal)
        if (refusal := price_refusal(entry.price_yen, auction=auction, ceiling=ceiling)) is not None:
            err("price_yen", refusal)
    return errors


def window_refusal(auction: Auction, now: dt.datetime) -> str | None:
    """Why bids are not accepted at `now`, or None when they are (the clock, the service window, OCCTO's close)."""
    state = phases.phase_state(auction, now)
    if auction.bids_closed_at is not None:
        return _("OCCTO has closed the bids of this auction. Nothing was changed.")
    if now < auction.bid_opens_at:
        return _("The bid window of this auction opens at %(at)s JST. Nothing was changed.") % {
            "at": timezone.localtime(auction.bid_opens_at, phases.JST).strftime("%Y-%m-%d %H:%M:%S")}
    if not state.bid_by_clock:
        return _("The bid window of this auction closed at %(at)s JST; the bid was not accepted (server time "
                 "%(now)s JST). Nothing was changed.") % {
            "at": timezone.localtime(auction.bid_closes_at, phases.JST).strftime("%Y-%m-%d %H:%M:%S"),
            "now": timezone.localtime(now, phases.JST).strftime("%H:%M:%S.%f")[:-3]}
    if not state.service_open:
        return _("The system is outside its service hours (business days 9:00–18:00 JST). Nothing was changed.")
    return None


def _assert_actor(actor, operator_id: int | None = None) -> int:
    if actor is None or not getattr(actor, "is_active", False) or getattr(actor, "operator_id", None) is None:
        raise BidRefused(_("Only the active users of an operator may bid."))
    if operator_id is not None and actor.operator_id != operator_id:
        raise BidRefused(_("Only the users of the bid's operator may change it."))
    if not Operator.objects.filter(pk=actor.operator_id, is_active=True).exists():
        raise BidRefused(_("Your operator is not active; it cannot bid."))
    return actor.operator_id


def _existing(operator_id: int, key) -> BidSubmission | None:
    submission = BidSubmission.objects.filter(operator_id=operator_id, idempotency_key=key).first()
    if submission is not None:
        submission.replayed = True
    return submission


def _key(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise BidRefused(_("The form was incomplete; reload the page and try again.")) from exc


def conflict_message(resource: Resource, bid: Bid | None) -> str:
    """The refusal of a stale entry: who changed the resource's bid when (or that another bid was made first)."""
    latest = None
    if bid is not None:
        latest = BidVersion.objects.filter(bid=bid).select_related("created_by").order_by("-version").first()
    if latest is None:
        return str(_("The bid of %(resource)s (%(code)s) is not the one on your page any more; reload the page and "
                     "check it. Nothing was saved.") % {"resource": resource.name, "code": resource.grid_code})
    return str(_("The bid of %(resource)s (%(code)s) was changed by %(who)s at %(at)s JST; reload the page and "
                 "check it. Nothing was saved.")
               % {"resource": resource.name, "code": resource.grid_code, "who": _who(latest.created_by),
                  "at": _hms(latest.created_at)})


def _auction_shared(pk: int) -> Auction:
    """The auction, read under a share lock (FOR SHARE) until the submission commits: submissions do not wait for
    each other, but OCCTO's close (FOR UPDATE) waits for the ones in flight, so every bid accepted before the close
    is committed, and counted, by the time the bids are closed."""
    return next(iter(Auction.objects.raw("SELECT * FROM auctions_auction WHERE id = %s FOR SHARE", [pk])))


def _constraint(exc: IntegrityError) -> str:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""


def _snapshot(bid: Bid) -> dict:
    return {"bid": bid.bid_code, "resource": bid.resource_id, "status": bid.status, "area": bid.area,
            "category": bid.category, "quantity_kw": bid.quantity_kw, "price_yen": bid.price_yen,
            "version": bid.version}


# --- submitting -----------------------------------------------------------------------------------------------------
def submit_bids(*, auction: Auction, actor, entries: Iterable, idempotency_key, source: str = BidSource.FORM,
                import_job=None) -> BidSubmission:
    """Store every entry as one receipt, or nothing (see the module docstring for the rules).

    `entries`: `BidEntry`s or (resource_id, quantity_kw, price_yen, expected_version or None) tuples. Returns the
    submission; one found by its idempotency key carries `replayed = True`. Raises `BidsInvalid` (per entry),
    `BidConflict` (stale version), `NothingToSubmit` or `BidRefused` (window, actor)."""
    operator_id = _assert_actor(actor)
    key = _key(idempotency_key)
    entries = [_as_entry(e) for e in entries]
    if (found := _existing(operator_id, key)) is not None:
        return found
    if not entries:
        raise NothingToSubmit(_("Enter at least one bid."))
    try:
        with transaction.atomic():
            return _submit_locked(auction=auction, actor=actor, operator_id=operator_id, entries=entries, key=key,
                                  source=source, import_job=import_job)
    except IntegrityError as exc:
        name = _constraint(exc)
        if name == KEY_CONSTRAINT and (found := _existing(operator_id, key)) is not None:
            return found
        if name == BID_CONSTRAINT:
            ids = [e.resource_id for e in entries if e.expected_version is None]
            bid = (Bid.objects.filter(auction=auction, resource_id__in=ids).select_related("resource")
                   .order_by("pk").first())
            resource = bid.resource if bid else Resource.objects.filter(pk__in=ids).order_by("pk").first()
            raise BidConflict(conflict_message(resource, bid)) from exc
        raise


def _submit_locked(*, auction, actor, operator_id, entries, key, source, import_job) -> BidSubmission:
    ids = sorted({e.resource_id for e in entries})
    # Lock the stored bids in a stable order (primary key): two submissions over the same resources queue up.
    locked = {b.resource_id: b for b in Bid.objects.select_for_update().filter(auction=auction, resource_id__in=ids)
              .order_by("pk")}
    # Then the operator's resources, in the same stable order: the area and category copied into the bids are the
    # resource's at `now`, and an approval that changes the resource or its expected capacity (which locks the
    # resource too) waits for this submission, or this one for it — never a bid checked against stale values.
    resources = {r.pk: r for r in Resource.objects.select_for_update(no_key=True)
                 .filter(pk__in=ids, operator_id=operator_id).order_by("pk")}
    if (found := _existing(operator_id, key)) is not None:
        return found  # a twin with the same key committed while we waited for the locks
    now = timezone.now()  # THE instant of acceptance: after the locks, inside the transaction
    auction = _auction_shared(auction.pk)  # OCCTO may have closed the bids meanwhile
    if (refusal := window_refusal(auction, now)) is not None:
        raise BidRefused(refusal)
    errors = check_entries(auction=auction, operator_id=operator_id, entries=entries)
    if errors:
        raise BidsInvalid(errors)
    conflicts = []
    for entry in entries:
        bid = locked.get(entry.resource_id)
        stored = bid.version if bid is not None else None
        if (bid is not None and bid.operator_id != operator_id) or stored != entry.expected_version:
            conflicts.append(conflict_message(resources[entry.resource_id], bid))
    if conflicts:
        raise BidConflict(" ".join(conflicts))

    plan: list[tuple[BidEntry, Bid | None, str]] = []
    for entry in sorted(entries, key=lambda e: e.resource_id):
        bid = locked.get(entry.resource_id)
        if bid is None:
            plan.append((entry, None, BidAction.CREATED))
        elif bid.status == BidStatus.WITHDRAWN:
            plan.append((entry, bid, BidAction.REBID))
        elif (bid.quantity_kw, bid.price_yen, bid.area, bid.category) != (
                entry.quantity_kw, entry.price_yen, resources[entry.resource_id].area,
                resources[entry.resource_id].category):
            plan.append((entry, bid, BidAction.CHANGED))  # new values, or the same on a changed resource
    if not plan:
        raise NothingToSubmit(_("Every bid entered equals the current bid; nothing was changed."))

    submission = BidSubmission.objects.create(
        auction=auction, operator_id=operator_id, submitted_by=actor, idempotency_key=key, source=source,
        accepted_at=now, bid_count=len(plan), import_job=import_job)
    before, new, changed = [], [], []
    for entry, bid, _action in plan:
        if bid is None:
            resource = resources[entry.resource_id]
            new.append(Bid(auction=auction, resource_id=entry.resource_id, operator_id=operator_id,
                           status=BidStatus.ACTIVE, area=resource.area, category=resource.category,
                           quantity_kw=entry.quantity_kw, price_yen=entry.price_yen,
                           version=1, submission=submission, created_at=now, updated_at=now))
        else:
            before.append(_snapshot(bid))
            bid.status, bid.quantity_kw, bid.price_yen = BidStatus.ACTIVE, entry.quantity_kw, entry.price_yen
            bid.area, bid.category = resources[entry.resource_id].area, resources[entry.resource_id].category
            bid.version += 1
            bid.submission, bid.updated_at = submission, now
            changed.append(bid)
    created = iter(Bid.objects.bulk_create(new))  # in resource order, like `plan`
    if changed:
        Bid.objects.bulk_update(changed, ["status", "area", "category", "quantity_kw", "price_yen", "version",
                                          "submission", "updated_at"])
    bids = [next(created) if bid is None else bid for _entry, bid, _action in plan]
    BidVersion.objects.bulk_create([
        BidVersion(bid=bid, version=bid.version, action=action, status=bid.status, area=bid.area,
                   category=bid.category, quantity_kw=bid.quantity_kw, price_yen=bid.price_yen,
                   submission=submission, created_at=now, created_by=actor)
        for bid, (_entry, _bid, action) in zip(bids, plan, strict=True)
    ])
    audit.record(action="auctions.bids_submitted", actor=actor, operator_id=operator_id, target=submission,
                 before={"bids": before} if before else None,
                 after={"receipt": submission.receipt_number, "auction": auction.pk, "source": source,
                        "accepted_at": now, "bids": [_snapshot(b) | {"action": str(a)}
                                                     for b, (_e, _b, a) in zip(bids, plan, strict=True)]})
    send_receipt(submission=submission)
    return submission


def withdraw_bid(*, bid: Bid, actor, expected_version: int | None, idempotency_key) -> BidSubmission:
    """Withdraw an active bid (取下げ): a new version with status withdrawn, under its own receipt. The same window,
    closing-instant, locking and idempotency rules as `submit_bids`; the history stays."""
    operator_id = _assert_actor(actor, bid.operator_id)
    key = _key(idempotency_key)
    if (found := _existing(operator_id, key)) is not None:
        return found
    try:
        with transaction.atomic():
            locked = Bid.objects.select_for_update().get(pk=bid.pk)
            if (found := _existing(operator_id, key)) is not None:
                return found
            now = timezone.now()
            auction = _auction_shared(locked.auction_id)
            if (refusal := window_refusal(auction, now)) is not None:
                raise BidRefused(refusal)
            if locked.version != expected_version:
                raise BidConflict(conflict_message(Resource.objects.get(pk=locked.resource_id), locked))
            if locked.status != BidStatus.ACTIVE:
                raise BidRefused(_("This bid is already withdrawn."))
            before = _snapshot(locked)
            submission = BidSubmission.objects.create(
                auction=auction, operator_id=operator_id, submitted_by=actor, idempotency_key=key,
                source=BidSource.FORM, accepted_at=now, bid_count=1)
            locked.status, locked.version = BidStatus.WITHDRAWN, locked.version + 1
            locked.submission, locked.updated_at = submission, now
            locked.save(update_fields=["status", "version", "submission", "updated_at"])
            BidVersion.objects.create(bid=locked, version=locked.version, action=BidAction.WITHDRAWN,
                                      status=locked.status, area=locked.area, category=locked.category,
                                      quantity_kw=locked.quantity_kw,
                                      price_yen=locked.price_yen, submission=submission, created_at=now,
                                      created_by=actor)
            audit.record(action="auctions.bid_withdrawn", actor=actor, operator_id=operator_id, target=submission,
                         before={"bids": [before]},
                         after={"receipt": submission.receipt_number, "auction": auction.pk, "accepted_at": now,
                                "bids": [_snapshot(locked) | {"action": str(BidAction.WITHDRAWN)}]})
            send_receipt(submission=submission)
    except IntegrityError as exc:
        if _constraint(exc) == KEY_CONSTRAINT and (found := _existing(operator_id, key)) is not None:
            return found
        raise
    for field in ("status", "version", "submission_id", "updated_at"):
        setattr(bid, field, getattr(locked, field))
    return submission


# --- the receipt e-mail ---------------------------------------------------------------------------------------------
def send_receipt(*, submission: BidSubmission) -> None:
    """E-mail the submitter the receipt in their language once the transaction commits (by Celery, retried):
    number, accepted time (JST, to the second), and each bid of the submission."""
    versions = list(BidVersion.objects.filter(submission=submission).select_related("bid__resource")
                    .order_by("bid__resource__grid_code", "pk"))
    notify(template="auctions/email/bid_receipt", recipients=[submission.submitted_by], context={
        "submission": submission, "auction": submission.auction, "versions": versions,
        "accepted_at": timezone.localtime(submission.accepted_at, phases.JST),
        "url": settings.SITE_URL.rstrip("/") + reverse("auctions:bid_receipt", kwargs={"pk": submission.pk}),
    })


# --- guards that bidding registers with the layers below (auctions/apps.py) ---------------------------------------
def _open_bids():
    """Active bids in auctions whose results are not published yet: the bids a clearing may still clear."""
    published = ClearingRun.objects.filter(auction_id=OuterRef("auction_id"), published_at__isnull=False)
    return Bid.objects.filter(status=BidStatus.ACTIVE).filter(~Exists(published))


def _auction_names(bids) -> str:
    names = Auction.objects.filter(pk__in=bids.values("auction_id")).order_by("bid_closes_at", "pk")
    return _(", ").join(str(auction) for auction in names)


def resource_bid_deletion_refusal(resource: Resource):
    """A resource with an active bid in an auction whose results are not yet published cannot be deleted: the
    clearing would otherwise clear a bid of a resource that no longer exists."""
    bids = _open_bids().filter(resource=resource)
    if bids.exists():
        return _("This resource has an active bid in an auction whose results are not yet published (%(auctions)s) "
                 "and cannot be deleted until they are.") % {"auctions": _auction_names(bids)}
    return None


def operator_bid_deletion_refusal(operator: Operator):
    """An operator with an active bid in an auction whose results are not yet published cannot be deleted."""
    bids = _open_bids().filter(operator=operator)
    if bids.exists():
        return _("The operator has active bids in an auction whose results are not yet published (%(auctions)s) "
                 "and cannot be deleted until they are.") % {"auctions": _auction_names(bids)}
    return None


def qualification_below_bid_refusal(application, resource):
    """The qualification may not drop below the resource's active bid in the auction (approved after bidding, e.g.
    during the bid window): the bid would then be cleared above its qualification. Bid submissions lock the
    resource too, so no bid can slip in between this check and the approval's commit."""
    bid = Bid.objects.filter(resource=resource, auction_id=application.auction_id, status=BidStatus.ACTIVE).first()
    if bid is not None and application.expected_kw < bid.quantity_kw:
        return _("The resource's active bid in this auction is %(bid)s kW, more than this expected capacity "
                 "(%(kw)s kW); approving it would leave the bid above its qualification. Return the application "
                 "instead (the operator can lower or withdraw the bid while bids are accepted).") \
            % {"bid": f"{bid.quantity_kw:,}", "kw": f"{application.expected_kw:,}"}
    return None
