"""Auction services (writes): deadline reminders and expected-capacity applications and their decisions.

Keyword-only, atomic and audited. Expected-capacity applications go through the review workflow of
`capacity_market.review`; approval writes the `ExpectedCapacity` master record (the participation qualification,
参加資格) in the same transaction.
"""

from collections.abc import Callable, Collection
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity_market import audit, hooks, numbers, review
from capacity_market.errors import DomainError
from capacity_market.review import OPEN_STATUSES, ApplicationKind
from registration.choices import ResourceCategory
from registration.models import Resource
from registration.rules import is_fit_eligible

from ..models import (
    Auction,
    AuctionKind,
    ExpectedCapacity,
    ExpectedCapacityApplication,
    computed_expected_kw,
    is_variable,
)
from ..schedule import phases

# Every category's threshold is the auction's (`Auction.threshold_kw`), on the expected capacity: see
# `threshold_refusal` (domain.md §1).










# --- expected capacity (期待容量) ------------------------------------------------------------------------------------
class ExpectedCapacityInvalid(DomainError):
    pass


ALREADY_APPROVED = _("This is already the approved expected capacity; there is nothing to apply for.")


ApprovalGuard = Callable[[ExpectedCapacityApplication, Resource], "str | None"]
_approval_guards: list[ApprovalGuard] = []


def register_approval_guard(func: ApprovalGuard) -> ApprovalGuard:
    """Register `func(application, resource) -> reason or None`: a translated reason refuses the approval of an
    expected capacity (bidding: not below the resource's active bid). Called with the resource locked."""
    return hooks.register(_approval_guards, func)


def adjustment_working(*, auction: Auction, resource: Resource) -> tuple[int, Decimal] | None:
    """For a variable resource: (expected kW, factor) computed from the auction's table; None for others.

    Raises ExpectedCapacityInvalid when the table has no factor for the resource's type and area."""
    if not is_variable(resource.category):
        return None
    factor = auction.adjustment_factor_for(generation_type=resource.generation_type, area=resource.area)
    if factor is None:
        raise ExpectedCapacityInvalid(
            _("This auction has no adjustment factor for %(type)s in %(area)s yet; the expected capacity of this "
              "variable resource cannot be computed. Contact OCCTO.")
            % {"type": resource.get_generation_type_display(), "area": resource.get_area_display()}
        )
    return computed_expected_kw(resource.installed_kw, factor), factor


def threshold_refusal(*, auction: Auction, category: str, expected_kw: int, working: str = "") -> str | None:
    """Why `expected_kw` is below the auction's category threshold (`Auction.threshold_kw`), or None.

    Every category's threshold is on the expected capacity approved for the auction (domain.md §1): a stable or
    variable stand-alone resource each, an aggregated variable resource its member units together (its expected
    capacity is theirs: installed total × factor), a dispatch-instruction resource in total. `working`: the
    computation of a variable resource's value, named in the message (it cannot be typed otherwise)."""
    threshold = auction.threshold_kw
    if expected_kw >= threshold:
        return None
    values = {"kw": numbers.number(expected_kw), "threshold": numbers.number(threshold)}
    if category == ResourceCategory.VARIABLE_AGGREGATE:
        message = _("The expected capacity (%(kw)s kW) is below the threshold of this auction: the member units of "
                    "an aggregated variable resource need an expected capacity of at least %(threshold)s kW "
                    "together.") % values
    elif category == ResourceCategory.DISPATCH:
        message = _("The expected capacity (%(kw)s kW) is below the threshold of this auction: a "
                    "dispatch-instruction resource needs an expected capacity of at least %(threshold)s kW in "
                    "total.") % values
    else:
        message = _("The expected capacity (%(kw)s kW) is below the threshold of this auction (%(category)s: at "
                    "least %(threshold)s kW of expected capacity).") % (
            values | {"category": ResourceCategory(category).label})
    if working:
        message = _("%(message)s It is computed from the adjustment factor: %(working)s.") % {
            "message": message, "working": working}
    return str(message)


def proposed_values(*, auction: Auction, resource: Resource, expected_kw: int | None) -> dict:
    """The application's values: computed for variable resources (what was typed is ignored), checked otherwise."""
    if not is_fit_eligible(resource, auction.delivery_fiscal_year):
        raise ExpectedCapacityInvalid(
            _("FIT resources (and FIP resources supported into the delivery year) cannot take part unless their "
              "support ends before fiscal year %(year)s begins.") % {"year": auction.delivery_fiscal_year}
        )
    computed = adjustment_working(auction=auction, resource=resource)
    if computed is not None:
        kw, factor = computed
        working = f"{numbers.number(resource.installed_kw)} kW × {factor} = {numbers.number(kw)} kW"
        if (refusal := threshold_refusal(auction=auction, category=resource.category, expected_kw=kw,
                                         working=working)) is not None:
            raise ExpectedCapacityInvalid(refusal)
        return {"expected_kw": kw, "adjustment_factor": factor, "installed_kw": resource.installed_kw}
    if expected_kw is None:
        raise ExpectedCapacityInvalid(_("Enter the expected capacity in kW."))
    if expected_kw > resource.installed_kw:
        raise ExpectedCapacityInvalid(
            _("The expected capacity (%(kw)s kW) cannot exceed the installed capacity (%(installed)s kW).")
            % {"kw": numbers.number(expected_kw), "installed": numbers.number(resource.installed_kw)}
        )
    if (refusal := threshold_refusal(auction=auction, category=resource.category,
                                     expected_kw=expected_kw)) is not None:
        raise ExpectedCapacityInvalid(refusal)
    return {"expected_kw": expected_kw, "adjustment_factor": None, "installed_kw": resource.installed_kw}


def _assert_accepting(auction: Auction) -> None:
    state = phases.phase_state(auction)
    if not state.expected_capacity_by_clock:
        raise DomainError(_("Expected capacity for this auction is accepted only during its registration window, "
                            "until the expected-capacity deadline. Nothing was changed."))
    if not state.service_open:
        raise DomainError(_("The system is outside its service hours (business days 9:00–18:00 JST). Nothing was "
                            "changed."))


def _one_open_guard() -> DomainError:
    return DomainError(_("This resource already has an open expected-capacity application for this auction. "
                         "Withdraw it or wait for its decision before applying again."))


def submit_expected_capacity_application(*, auction: Auction, resource: Resource, actor,
                                         expected_kw: int | None = None, applicant_comment: str = "",
                                         import_job=None) -> ExpectedCapacityApplication:
    """Apply for the expected capacity of an approved resource in an auction (new, or a change once approved).

    Only during the auction's registration window (until its expected-capacity deadline) and the service window;
    for variable resources the value is computed from the adjustment-factor table."""
    if actor is None or getattr(actor, "operator_id", None) != resource.operator_id:
        raise review.NotAllowed(_("Only the users of the resource's operator may apply."))
    if not resource.is_active:
        raise DomainError(_("This resource has been deleted."))
    _assert_accepting(auction)
    try:
        with transaction.atomic():
            locked = Resource.objects.select_for_update().get(pk=resource.pk)
            _assert_eligible(auction=auction, resource=locked)
            values = proposed_values(auction=auction, resource=locked, expected_kw=expected_kw)
            current = ExpectedCapacity.objects.filter(resource=locked, auction=auction).first()
            kind = ApplicationKind.CHANGE if current is not None else ApplicationKind.NEW
            if current is not None and current.expected_kw == values["expected_kw"] \
                    and current.adjustment_factor == values["adjustment_factor"]:
                raise DomainError(ALREADY_APPROVED)
            application = ExpectedCapacityApplication.objects.create(
                kind=kind, operator_id=locked.operator_id, auction=auction, resource=locked,
                applicant_comment=applicant_comment, import_job=import_job, **values,
            )
            review.submit(application=application, actor=actor, expected_version=application.version)
    except IntegrityError as exc:
        raise _one_open_guard() from exc
    return application


def import_expected_capacity_applications(*, actor, items, import_job, progress=lambda n: None) -> int:
    """Submit one application per (auction, resource, expected kW or None, note) of a validated CSV file, all in
    the caller's transaction (a refusal of any row rolls back the whole file). Returns how many were submitted."""
    count = 0
    for index, (auction, resource, expected_kw, note) in enumerate(items, start=1):
        submit_expected_capacity_application(auction=auction, resource=resource, actor=actor,
                                             expected_kw=expected_kw, applicant_comment=note, import_job=import_job)
        count += 1
        progress(index)
    return count


def _apply_expected_capacity(application: ExpectedCapacityApplication, actor) -> None:
    resource = Resource.objects.select_for_update().get(pk=application.resource_id)
    if not resource.is_active:
        raise DomainError(_("This resource has been deleted; the expected capacity cannot be approved."))
    if application.expected_kw > resource.installed_kw:
        raise DomainError(_("The resource's installed capacity is now below this expected capacity; return the "
                            "application for correction."))
    _assert_eligible(auction=application.auction, resource=resource)
    if (refusal := approval_threshold_refusal(application)) is not None:
        raise DomainError(refusal)
    # Later stages (bidding) may refuse an approval that would contradict what they hold; they lock the resource too.
    refusals = [str(reason) for reason in hooks.answers(_approval_guards, application, resource)]
    if refusals:
        raise DomainError(" ".join(refusals))
    current = ExpectedCapacity.objects.select_for_update().filter(
        resource=resource, auction_id=application.auction_id).first()
    before = None
    values = {"expected_kw": application.expected_kw, "installed_kw": application.installed_kw,
              "adjustment_factor": application.adjustment_factor, "application": application,
              "approved_at": timezone.now()}
    if current is None:
        current = ExpectedCapacity.objects.create(resource=resource, auction_id=application.auction_id, **values)
    else:
        before = {"expected_kw": current.expected_kw, "adjustment_factor": current.adjustment_factor}
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
    audit.record(action="auctions.expected_capacity_approved", actor=actor, operator_id=resource.operator_id,
                 target=current, before=before,
                 after={"expected_kw": current.expected_kw, "adjustment_factor": current.adjustment_factor,
                        "auction": application.auction_id, "resource": resource.pk})


def approval_threshold_refusal(application: ExpectedCapacityApplication) -> str | None:
    """Why the application cannot be approved under the auction's threshold as it is now, or None.

    The threshold is checked when the operator applies and again at approval, against the auction's value at that
    moment: an application filed before OCCTO raised the threshold is not approved below it (the reviewer returns
    it for a new value, or rejects it); one refused before OCCTO lowered it can simply be filed again."""
    auction = Auction.objects.get(pk=application.auction_id)  # the threshold as OCCTO has it now
    if application.expected_kw >= auction.threshold_kw:
        return None
    return str(_("This expected capacity (%(kw)s kW) is below the threshold of the auction, now %(threshold)s kW; "
                 "it cannot be approved. Return the application so that the operator can apply for at least "
                 "%(threshold)s kW, or reject it.")
               % {"kw": numbers.number(application.expected_kw), "threshold": numbers.number(auction.threshold_kw)})


class ExpectedCapacityApplicationType(review.ApplicationType):
    """Expected capacity of a resource in one auction (new, or a change once approved; no deletion). Approval
    writes the resource's participation qualification (ExpectedCapacity) for the auction."""

    model = ExpectedCapacityApplication
    namespace, url_prefix = "auctions", "application"
    list_title = _("Expected-capacity applications")
    subject_heading = _("Auction / resource")
    related = ("auction", "resource", "operator", "submitted_by", "reviewed_by")
    detail_template = "auctions/qualification/application_detail.html"
    resubmit_template = "auctions/qualification/application_resubmit.html"
    open_exists_message = _("This resource already has an open expected-capacity application for this auction. "
                            "Withdraw it or wait for its decision before applying again.")
    deleted_message = _("This resource has been deleted; the expected capacity cannot be approved.")

    def back_link(self, application):
        return reverse("auctions:expected_capacity", kwargs={"pk": application.auction_id}), \
            _("Back to expected capacity")

    def editor(self, request, application) -> review.Editor:
        from .forms import ExpectedCapacityForm

        resource = application.resource
        variable = is_variable(resource.category)
        try:
            computed, working_error = adjustment_working(auction=application.auction, resource=resource), ""
        except DomainError as exc:
            computed, working_error = None, exc.message
        form = ExpectedCapacityForm(request.POST if request.method == "POST" else None, computed=variable,
                                    auction=application.auction, resource=resource,
                                    initial={"expected_kw": application.expected_kw,
                                             "applicant_comment": application.applicant_comment})
        return review.Editor([form], context={
            "auction": application.auction, "resource": resource, "variable": variable, "computed": computed,
            "working_error": working_error, "state": application.auction.phase_state(),
            "ineligible_reason": participation_refusal(auction=application.auction, resource=resource)})

    def resubmit(self, *, application, actor, values, expected_version):
        """Only while expected capacity is accepted; the value is recomputed for variable resources."""
        _assert_accepting(application.auction)
        return super().resubmit(application=application, actor=actor, values=values,
                                expected_version=expected_version)

    def update(self, application, values) -> None:
        """The corrected value (recomputed for variable resources); a change must still differ from the approved
        expected capacity, and the resource must still be registered."""
        resource = Resource.objects.get(pk=application.resource_id)
        if not resource.is_active:
            raise DomainError(self.deleted_message)
        _assert_eligible(auction=application.auction, resource=resource)
        for name, value in proposed_values(auction=application.auction, resource=resource,
                                            expected_kw=values.get("expected_kw")).items():
            setattr(application, name, value)
        current = application.current_record()
        if current is not None and current.expected_kw == application.expected_kw \
                and current.adjustment_factor == application.adjustment_factor:
            raise DomainError(ALREADY_APPROVED)
        application.applicant_comment = values.get("applicant_comment", "")
        application.save()

    def apply(self, application, actor) -> None:
        """New and change alike: write (or replace) the resource's expected capacity for the auction."""
        _apply_expected_capacity(application, actor)


expected_capacity_applications = review.register(ExpectedCapacityApplicationType())
approve_expected_capacity_application = expected_capacity_applications.approve
withdraw_expected_capacity_application = expected_capacity_applications.withdraw


def resubmit_expected_capacity_application(*, application: ExpectedCapacityApplication, actor,
                                           expected_kw: int | None, applicant_comment: str = "",
                                           expected_version: int | None) -> ExpectedCapacityApplication:
    """Correct and resubmit a returned application (the value is recomputed for variable resources)."""
    return expected_capacity_applications.resubmit(
        application=application, actor=actor, expected_version=expected_version,
        values={"expected_kw": expected_kw, "applicant_comment": applicant_comment})


# --- additional auctions: only the main auction's losers and non-bidders take part (domain.md §2) ------------------
# Which resources won is known only to the results of a clearing, a later stage that qualification does not import:
# results registers its lookup here (auctions/apps.py), and the rule itself stays in this one place.
AwardLookup = Callable[[Auction, Collection[int]], "Collection[int]"]
_award_lookups: list[AwardLookup] = []


def register_award_lookup(func: AwardLookup) -> AwardLookup:
    """Register `func(auction, resource_ids) -> resource ids`: those of `resource_ids` with a winning bid in the
    auction's published clearing result (none while no result is published)."""
    return hooks.register(_award_lookups, func)


def main_auction_of(auction: Auction) -> Auction | None:
    """The main auction of an additional auction's delivery year (None for a main auction, or when there is none)."""
    if auction.kind != AuctionKind.ADDITIONAL:
        return None
    return Auction.objects.filter(kind=AuctionKind.MAIN, delivery_fiscal_year=auction.delivery_fiscal_year).first()


def ineligible_reasons(*, auction: Auction, resource_ids: Collection[int]) -> dict[int, str]:
    """resource id → why it may not take part in `auction`, for the resources of `resource_ids` that may not.

    The rule: in an additional auction, a resource with a winning bid in the published result of the main auction
    of the same delivery fiscal year takes no part (no qualification, no bid); resources that lost or did not bid
    there may. A main auction of that year without a published result (or no such auction) refuses nobody: nobody
    has won it yet. Two queries at most, whatever the number of resources."""
    resource_ids = list(resource_ids)
    main = main_auction_of(auction) if resource_ids else None
    if main is None:
        return {}
    winners: set[int] = set()
    for answer in hooks.answers(_award_lookups, main, resource_ids):
        winners.update(answer)
    reason = _("This resource won in “%(main)s”, the main auction of the same delivery year. Only resources that "
               "lost or did not bid there may take part in an additional auction: it cannot be qualified for this "
               "auction or bid in it.") % {"main": main.display_name}
    return {pk: str(reason) for pk in resource_ids if pk in winners}


def participation_refusal(*, auction: Auction, resource: Resource) -> str | None:
    """Why the resource may not take part in the auction (see `ineligible_reasons`), or None."""
    return ineligible_reasons(auction=auction, resource_ids=[resource.pk]).get(resource.pk)


def _assert_eligible(*, auction: Auction, resource: Resource) -> None:
    if (reason := participation_refusal(auction=auction, resource=resource)) is not None:
        raise ExpectedCapacityInvalid(reason)


# --- the deletion guards registered with registration -------------------------------------------------------------
def resource_change_refusal(application, resource: Resource):
    """A resource's installed capacity may not drop below an expected capacity approved for an auction whose
    results are not yet published (a qualification is at most the installed capacity)."""
    published = Auction.objects.filter(pk=OuterRef("auction_id"), clearing_runs__published_at__isnull=False)
    above = (ExpectedCapacity.objects.filter(resource=resource, expected_kw__gt=application.installed_kw)
             .filter(~Exists(published)).select_related("auction").order_by("auction__bid_closes_at", "pk"))
    if above:
        return _("The installed capacity (%(installed)s kW) would be below the approved expected capacity of this "
                 "resource in %(auctions)s; the expected capacity must be changed first.") % {
            "installed": numbers.number(application.installed_kw),
            "auctions": _(", ").join(_("%(auction)s (%(kw)s kW)") % {"auction": ec.auction,
                                                                     "kw": numbers.number(ec.expected_kw)} for ec in above)}
    return None


def resource_deletion_refusal(resource: Resource):
    """A resource with expected capacity (approved or applied for) cannot be deleted."""
    if ExpectedCapacity.objects.filter(resource=resource).exists():
        return _("This resource has an approved expected capacity (participation qualification) for an auction "
                 "and cannot be deleted.")
    if ExpectedCapacityApplication.objects.filter(resource=resource, status__in=OPEN_STATUSES).exists():
        return _("This resource has an open expected-capacity application; withdraw it before deleting the "
                 "resource.")
    return None
