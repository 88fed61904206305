"""The URL × persona access matrix (issue #2, "Done means").

Every URL pattern of the project (walked from the resolver: our pages, the allauth pages, the Django admin of
every registered model) is a row of MATRIX; every persona a column. Each cell says what a GET and an empty
(invalid) POST of that URL answer for that persona, on objects that belong to operator A:

    200 / 403 / 404 / 405     that status code
    LOGIN, HOME, "→name"...   a redirect to the URL of that name (LOGIN: to log in, with ?next= the page asked for)
    CHANGE                    a redirect to the admin's change page of the same object
    (200, 405)                GET answers 200, POST answers 405 (one value alone: both methods answer the same)

Personas: anonymous, operator A admin, operator A user, operator B admin, operator B user, OCCTO reviewer, OCCTO
administrator. Operator B's people never see operator A's objects: A's objects answer them 404 (user management
answers an operator B *user* 403 for any ID, before looking anything up), the same as a missing object, and no page
they can open shows A's data. Known deviations from the specification are single xfail(strict=True) cells
(KNOWN_PROBLEMS). The coverage guard fails when a URL pattern is added without a row; another test fetches every
URL with garbage path and query parameters as every persona and asserts that nothing answers 500.
"""

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AdminIdIssuance, TermsVersion
from auctions.bidding import services as bidding
from auctions.models import ExpectedCapacity, SentReminder
from auctions.qualification import services as auction_services
from auctions.tests.results_support import store_run
from capacity_market import audit, review
from capacity_market.models import ImportJob, ServiceCalendarException
from conftest import OPEN_INSTANT
from notices.models import NoticeDispatch
from registration import services as registration_services
from tests import factories

PERSONAS = ("anonymous", "admin_a", "user_a", "admin_b", "user_b", "reviewer", "occto_admin")

# --- the world: operator A's objects (and one of everything the admin shows) -------------------------------------


class World:
    """Everything the matrix points at, made through the real services (once per module: see `_world_once`)."""

    def __init__(self):
        self.operator_a = factories.OperatorFactory(name="東北テスト電力株式会社")
        self.operator_b = factories.OperatorFactory(name="九州テスト電力株式会社")
        self.people = {
            "anonymous": None,
            "admin_a": factories.OperatorAdminFactory(operator=self.operator_a, login_id="admin-a"),
            "user_a": factories.OperatorUserFactory(operator=self.operator_a, login_id="user-a"),
            "admin_b": factories.OperatorAdminFactory(operator=self.operator_b, login_id="admin-b"),
            "user_b": factories.OperatorUserFactory(operator=self.operator_b, login_id="user-b"),
            "reviewer": factories.ReviewerFactory(login_id="reviewer"),
            "occto_admin": factories.OcctoAdminFactory(login_id="occto-admin"),
        }
        admin_a, reviewer, occto_admin = self.people["admin_a"], self.people["reviewer"], self.people["occto_admin"]
        # A second, locked user of A: the target of A's user-management pages.
        self.target_a = factories.OperatorUserFactory(operator=self.operator_a, login_id="target-a",
                                                      locked_at=timezone.now(), failed_login_count=5)
        # A change application of A, returned for correction (so resubmit and withdraw have work to do).
        values = {**self.operator_a.info_values(), "contact_phone": "06-9999-0000"}
        change = registration_services.submit_change_application(operator=self.operator_a, actor=admin_a,
                                                                 values=values)
        review.start_review(application=change, actor=reviewer, expected_version=change.version)
        change.refresh_from_db()
        self.application_a = registration_services.send_back_operator_application(
            application=change, actor=reviewer, comment="電話番号をご確認ください。", expected_version=change.version)
        # A use application (no operator yet), returned: its applicant corrects it through a signed link.
        use = registration_services.submit_use_application(values={
            **factories.OperatorApplicationFactory.build().info_values(),
            "code": factories.operator_code(),
            "applicant_email": "apply@mirai.example", "admin_login_id": "mirai-admin",
            "admin_full_name": "未来 太郎", "admin_full_name_kana": "ミライ タロウ",
        }, language="ja", terms_version=TermsVersion.current())
        self.use_application = registration_services.send_back_operator_application(
            application=use, actor=reviewer, comment="口座番号をご確認ください。", expected_version=use.version)
        self.resubmit_token = registration_services.resubmit_token(self.use_application)
        # A notice addressed to operator A only, and one e-mailing of it.
        self.notice_a = factories.NoticeFactory(operators=[self.operator_a])
        self.dispatch = NoticeDispatch.objects.create(notice=self.notice_a, requested_by=occto_admin,
                                                      status="sent", recipient_count=2, sent_count=2)
        # The set-password link e-mailed to A's target user.
        link = urlsplit(account_services.set_password_url(self.target_a)).path
        match = resolve(link)
        self.set_password_kwargs = match.kwargs
        # One row of each remaining admin model.
        self.issuance = AdminIdIssuance.objects.create(operator=self.operator_a, user=admin_a)
        self.terms = TermsVersion.current()
        self.exception = ServiceCalendarException.objects.create(
            date=dt.date(2026, 12, 1), kind=ServiceCalendarException.Kind.CLOSED, reason="システム保守",
            created_by=occto_admin)
        self.audit_entry = audit.record(action="matrix.probe", actor=occto_admin, operator_id=self.operator_a.pk,
                                        target=self.operator_a)
        # A resource of A, a returned change application of it, and a CSV import of A with errors.
        self.resource_a = factories.ResourceFactory(operator=self.operator_a, submitted_by=admin_a, reviewer=reviewer,
                                                    name="東北テスト火力")
        resource_change = registration_services.submit_resource_change_application(
            resource=self.resource_a, actor=admin_a, values={**self.resource_a.info_values(), "name": "改名"})
        self.resource_application_a = review.send_back(
            application=resource_change, actor=reviewer, comment="名称をご確認ください。",
            expected_version=resource_change.version)
        self.import_job_a = ImportJob.objects.create(
            kind="registration.resources", operator_id=self.operator_a.pk, created_by=admin_a, file_name="a.csv",
            status=ImportJob.Status.INVALID, total_rows=1, processed_rows=1,
            errors=[{"row": 2, "column": "系統コード", "message": "x"}])
        # An auction in its registration window; a second resource of A qualified for it (approved expected
        # capacity) with a returned change application; a sent reminder (issue #3, auctions).
        self.auction = factories.AuctionFactory(delivery_fiscal_year=2030)
        self.ec_resource_a = factories.ResourceFactory(operator=self.operator_a, submitted_by=admin_a,
                                                       reviewer=reviewer, name="東北テスト火力2号機")
        first = auction_services.submit_expected_capacity_application(
            auction=self.auction, resource=self.ec_resource_a, actor=admin_a, expected_kw=120_000)
        auction_services.approve_expected_capacity_application(application=first, actor=reviewer,
                                                               expected_version=first.version)
        self.expected_capacity_a = ExpectedCapacity.objects.get(resource=self.ec_resource_a, auction=self.auction)
        change = auction_services.submit_expected_capacity_application(
            auction=self.auction, resource=self.ec_resource_a, actor=admin_a, expected_kw=110_000)
        self.ec_application_a = review.send_back(application=change, actor=reviewer, comment="根拠をご確認ください。",
                                                 expected_version=change.version)
        self.ec_import_job_a = ImportJob.objects.create(
            kind="auctions.expected_capacity", operator_id=self.operator_a.pk, created_by=admin_a,
            file_name="ec.csv", status=ImportJob.Status.INVALID, total_rows=1, processed_rows=1,
            errors=[{"row": 2, "column": "系統コード", "message": "x"}])
        self.sent_reminder = SentReminder.objects.create(auction=self.auction, deadline="bid_closes_at",
                                                         deadline_at=self.auction.bid_closes_at, recipient_count=3)
        self.group = Group.objects.get(name="occto_reviewer")
        self.email_address = EmailAddress.objects.create(user=self.people["user_a"], email="user-a@example.jp",
                                                         verified=True, primary=True)
        # Published results (issue #4): an auction of its own with a bid of A's resource, cleared and published.
        self.results_auction = factories.AuctionFactory(kind="additional", delivery_fiscal_year=2028,
                                                        name="追加オークション（実需給2028年度）")
        factories.ExpectedCapacityFactory(auction=self.results_auction, resource=self.resource_a, expected_kw=100_000,
                                          submitted_by=admin_a, reviewer=reviewer)
        factories.BidFactory(auction=self.results_auction, resource=self.resource_a, quantity_kw=100_000,
                             price_yen=5_000, submitted_by=admin_a)
        self.published_run = store_run(self.results_auction, started_by=occto_admin, publish=True)
        # The OCCTO admin of bids and clearing (issue #4): that bid, its receipt and the published run.
        self.admin_bid = self.results_auction.bids.get()
        self.admin_bid_submission = self.admin_bid.submission
        self.admin_outcome = self.published_run.outcomes.get()
        # Bidding (issue #4, operator side): an auction in its bid window, A's resource qualified with a bid made
        # through the service (its receipt), and a CSV bid upload of A with errors.
        self.bid_auction = factories.AuctionFactory(bidding=True, delivery_fiscal_year=2032)
        factories.ExpectedCapacityFactory(auction=self.bid_auction, resource=self.ec_resource_a, expected_kw=120_000,
                                          submitted_by=admin_a, reviewer=reviewer)
        self.bid_receipt_a = bidding.submit_bids(auction=self.bid_auction, actor=admin_a,
                                                 entries=[(self.ec_resource_a.pk, 100_000, 9_000, None)],
                                                 idempotency_key=uuid.uuid4())
        self.bid_a = self.bid_auction.bids.get()
        self.bid_import_job_a = ImportJob.objects.create(
            kind="auctions.bids", operator_id=self.operator_a.pk, created_by=admin_a, file_name="bids.csv",
            status=ImportJob.Status.INVALID, total_rows=1, processed_rows=1,
            errors=[{"row": 2, "column": "系統コード", "message": "x"}])

    def client(self, persona: str) -> Client:
        client = Client()
        if self.people[persona] is not None:
            client.force_login(self.people[persona])
        return client


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """One world per module (and xdist worker): each test runs in a savepoint inside this transaction, so whatever
    a request changes is rolled back before the next test, and the world itself is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(OPEN_INSTANT, tick=False):
            built = World()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_once, db):
    cache.clear()  # rate limits (log-in, use application) start from zero
    yield _world_once
    cache.clear()


# --- how to reach each URL pattern on the world's objects ---------------------------------------------------------

def _obj(attr):
    return lambda w: {"object_id": str(getattr(w, attr).pk)}


def _pk(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


# URL name → kwargs of operator A's object it addresses (URL names without parameters need no entry).
KWARGS = {
    "accounts:set_password": lambda w: w.set_password_kwargs,
    "accounts:user_detail": _pk("target_a"),
    "accounts:user_edit": _pk("target_a"),
    "accounts:user_delete": _pk("target_a"),
    "accounts:user_unlock": _pk("target_a"),
    "accounts:user_reissue_password": _pk("target_a"),
    "accounts:user_hand_over": _pk("target_a"),
    "account_confirm_email": lambda w: {"key": "MQ:1vXXXX:abcdef"},
    "account_reset_password_from_key": lambda w: {"uidb36": "1", "key": "set-password"},
    "registration:use_application_resubmit": lambda w: {"token": w.resubmit_token},
    "registration:application_detail": _pk("application_a"),
    "registration:application_resubmit": _pk("application_a"),
    "registration:application_withdraw": _pk("application_a"),
    "registration:resource_detail": _pk("resource_a"),
    "registration:resource_change": _pk("resource_a"),
    "registration:resource_delete": _pk("resource_a"),
    "registration:resource_application_detail": _pk("resource_application_a"),
    "registration:resource_application_resubmit": _pk("resource_application_a"),
    "registration:resource_application_withdraw": _pk("resource_application_a"),
    "registration:resource_import_job": _pk("import_job_a"),
    "registration:resource_import_status": _pk("import_job_a"),
    "auctions:detail": _pk("auction"),
    "auctions:expected_capacity": _pk("auction"),
    "auctions:expected_capacity_apply": lambda w: {"pk": w.auction.pk, "resource_pk": w.ec_resource_a.pk},
    "auctions:qualified": _pk("auction"),
    "auctions:qualification_notice": _pk("auction"),
    "auctions:application_detail": _pk("ec_application_a"),
    "auctions:application_withdraw": _pk("ec_application_a"),
    "auctions:application_resubmit": _pk("ec_application_a"),
    "auctions:import": _pk("auction"),
    "auctions:import_template": _pk("auction"),
    "auctions:import_job": _pk("ec_import_job_a"),
    "auctions:import_status": _pk("ec_import_job_a"),
    "auctions:bids": _pk("bid_auction"),
    "auctions:bid_detail": lambda w: {"pk": w.bid_auction.pk, "bid_pk": w.bid_a.pk},
    "auctions:bid_withdraw": lambda w: {"pk": w.bid_auction.pk, "bid_pk": w.bid_a.pk},
    "auctions:bids_csv": _pk("bid_auction"),
    "auctions:bid_import": _pk("bid_auction"),
    "auctions:bid_import_template": _pk("bid_auction"),
    "auctions:bid_receipt": _pk("bid_receipt_a"),
    "auctions:bid_import_job": _pk("bid_import_job_a"),
    "auctions:bid_import_status": _pk("bid_import_job_a"),
    "auctions:results": _pk("results_auction"),
    "auctions:results_awards_csv": _pk("results_auction"),
    "auctions:results_summary_csv": _pk("results_auction"),
    "notices:detail": _pk("notice_a"),
    "admin:view_on_site": lambda w: {"content_type_id": str(_content_type_id(w.notice_a)),
                                     "object_id": str(w.notice_a.pk)},
    "admin:app_list": lambda w: {"app_label": "registration"},
}
# The World's object of each model registered in the admin ("app_label/model_name").
ADMIN_OBJECTS = {
    "auth/group": "group",
    "account/emailaddress": "email_address",
    "capacity_market/servicecalendarexception": "exception",
    "capacity_market/auditentry": "audit_entry",
    "accounts/user": "target_a",
    "accounts/adminidissuance": "issuance",
    "accounts/termsversion": "terms",
    "registration/operatorapplication": "application_a",
    "tenants/operator": "operator_a",
    "registration/resource": "resource_a",
    "registration/resourceapplication": "resource_application_a",
    "auctions/auction": "auction",
    "auctions/expectedcapacity": "expected_capacity_a",
    "auctions/expectedcapacityapplication": "ec_application_a",
    "auctions/sentreminder": "sent_reminder",
    "auctions/bid": "admin_bid",
    "auctions/bidsubmission": "admin_bid_submission",
    "auctions/clearingrun": "published_run",
    "auctions/clearingoutcome": "admin_outcome",
    "notices/notice": "notice_a",
    "notices/noticedispatch": "dispatch",
}
for _model, _attr in ADMIN_OBJECTS.items():
    for _view in ("history", "delete", "change"):
        KWARGS[f"admin:{_model.replace('/', '_')}_{_view}"] = _obj(_attr)
KWARGS["admin:notices_notice_email"] = _obj("notice_a")
KWARGS["admin:auctions_auction_clearing"] = _obj("auction")
KWARGS["admin:auctions_auction_clearing_input"] = _obj("auction")
KWARGS["admin:auctions_clearingrun_status"] = _obj("published_run")
KWARGS["admin:auctions_clearingrun_publish"] = _obj("published_run")


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


# allauth pages this system does not offer (accounts.views.not_offered): a pattern without a name.
NOT_OFFERED_ROUTE = r"accounts/^(?:signup|reauthenticate|email|confirm-email|login/code|password/reset|password/set/?$|phone|inactive)"

# Patterns without a name are keyed by their route; these are the paths that reach them.
UNNAMED_PATHS = {
    NOT_OFFERED_ROUTE: lambda w: "/accounts/phone/change/",
    # the admin's catch-all (unknown admin URL)
    "admin/(?P<url>.*)$": lambda w: "/admin/no-such-page/",
}
for _model, _attr in ADMIN_OBJECTS.items():
    # Django's admin redirects /admin/<app>/<model>/<id>/ to the object's change page.
    UNNAMED_PATHS[f"admin/{_model}/<path:object_id>/"] = (
        lambda w, _model=_model, _attr=_attr: f"/admin/{_model}/{getattr(w, _attr).pk}/")


def url_patterns():
    """(key, route) of every URL pattern of the project: its name (namespaced), or its route when unnamed."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if p.name:
                    yield (f"{namespace}:{p.name}" if namespace else p.name), route
                else:
                    yield route, route

    seen = {}
    for key, route in walk(get_resolver().url_patterns):
        seen.setdefault(key, route)  # a name declared twice resolves (reverse) to the first
    return seen


def url_for(key: str, w: World) -> str:
    if key in UNNAMED_PATHS:
        return UNNAMED_PATHS[key](w)
    return reverse(key, kwargs=KWARGS[key](w) if key in KWARGS else None)


# --- the matrix -------------------------------------------------------------------------------------------------

LOGIN = "→account_login"  # sent to log in (with ?next=)
ADMIN_LOGIN = "→admin:login"  # sent to the admin's log-in, which sends visitors on to LOGIN and refuses (403) operator users
ADMIN_INDEX = "→admin:index"
HOME = "→home"
SET_PASSWORD = "→accounts:set_password"  # the set-password link moves its token into the session and redirects
APPLY = "→registration:use_application"
USER_PAGE = "→accounts:user_detail"
APPLICATION_PAGE = "→registration:application_detail"
PASSWORD_CHANGE = "→accounts:password_change"  # the admin's own form would skip the audit entry
CHANGE = "→admin:*_change"  # the admin's change page of the same object
RESOURCE_APP_PAGE = "→registration:resource_application_detail"
IMPORT_JOB_PAGE = "→registration:resource_import_job"
EC_APP_PAGE = "→auctions:application_detail"
EC_IMPORT_PAGE = "→auctions:import_job"
BIDS_PAGE = "→auctions:bids"
BID_PAGE = "→auctions:bid_detail"
BID_IMPORT_PAGE = "→auctions:bid_import_job"
CLEARING_PAGE = "→admin:auctions_auction_clearing"

# One row per URL pattern (its name, or its route when it has none); one cell per persona of PERSONAS.
# A cell is the answer to both GET and an empty POST, or a (GET, POST) pair when they differ.
MATRIX = {
    #                                                                      anonymous     admin_a                  user_a                   admin_b       user_b        reviewer      occto_admin
    # --- our pages ---------------------------------------------------------------------------------------------
    "accounts:password_change":                                          (LOGIN       , 200                    , 200                    , 200         , 200         , 200         , 200),
    "accounts:password_change_required":                                 (LOGIN       , HOME                   , HOME                   , HOME        , HOME        , HOME        , HOME),
    "accounts:set_password":                                             (SET_PASSWORD, SET_PASSWORD           , SET_PASSWORD           , SET_PASSWORD, SET_PASSWORD, SET_PASSWORD, SET_PASSWORD),
    "accounts:user_delete":                                              (LOGIN       , (200, USER_PAGE)       , 403                    , 404         , 403         , 403         , 403),
    "accounts:user_detail":                                              (LOGIN       , 200                    , 403                    , 404         , 403         , 403         , 403),
    "accounts:user_edit":                                                (LOGIN       , 200                    , 403                    , 404         , 403         , 403         , 403),
    "accounts:user_hand_over":                                           (LOGIN       , 200                    , 403                    , 404         , 403         , 403         , 403),
    "accounts:user_issue":                                               (LOGIN       , 200                    , 403                    , 200         , 403         , 403         , 403),
    "accounts:user_list":                                                (LOGIN       , 200                    , 403                    , 200         , 403         , 403         , 403),
    "accounts:user_reissue_password":                                    (LOGIN       , (200, USER_PAGE)       , 403                    , 404         , 403         , 403         , 403),
    "accounts:user_unlock":                                              (LOGIN       , (200, USER_PAGE)       , 403                    , 404         , 403         , 403         , 403),
    "healthz":                                                           ((200, 405)  , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "home":                                                              (LOGIN       , 200                    , 200                    , 200         , 200         , 200         , 200),
    "notices:detail":                                                    (LOGIN       , 200                    , 200                    , 404         , 404         , 200         , 200),
    "notices:list":                                                      (LOGIN       , 200                    , 200                    , 200         , 200         , 200         , 200),
    "registration:application_detail":                                   (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "registration:application_resubmit":                                 (LOGIN       , 200                    , 200                    , 404         , 404         , 404         , 404),
    "registration:application_withdraw":                                 (LOGIN       , (200, APPLICATION_PAGE), (200, APPLICATION_PAGE), 404         , 404         , 404         , 404),
    "registration:change_application":                                   (LOGIN       , 200                    , 200                    , 200         , 200         , 404         , 404),
    "registration:deletion_application":                                 (LOGIN       , 200                    , 403                    , 200         , 403         , 404         , 404),
    "registration:operator_detail":                                      (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "registration:use_application":                                      (200         , 200                    , 200                    , 200         , 200         , 200         , 200),
    "registration:use_application_done":                                 ((APPLY, 405), (APPLY, 405)           , (APPLY, 405)           , (APPLY, 405), (APPLY, 405), (APPLY, 405), (APPLY, 405)),
    "registration:use_application_resubmit":                             (200         , 200                    , 200                    , 200         , 200         , 200         , 200),
    "service_hours":                                                     ((200, 405)  , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "set_language":                                                      (HOME        , HOME                   , HOME                   , HOME        , HOME        , HOME        , HOME),
    # --- django-allauth: log-in and log-out are kept, every other allauth page is closed (404) -------------------
    "account_change_password":                                           (LOGIN       , 200                    , 200                    , 200         , 200         , 200         , 200),
    "account_confirm_email":                                             (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_confirm_login_code":                                        (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_email":                                                     (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_email_verification_sent":                                   (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_inactive":                                                  (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_login":                                                     (200         , HOME                   , HOME                   , HOME        , HOME        , HOME        , HOME),
    "account_logout":                                                    (LOGIN       , (200, LOGIN)           , (200, LOGIN)           , (200, LOGIN), (200, LOGIN), (200, LOGIN), (200, LOGIN)),
    "account_reauthenticate":                                            (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    # allauth 65.22: re-authentication by a code sent by e-mail; answered by our not_offered 404 like
    # reauthenticate/ itself (its regex matches every path under reauthenticate), for every persona.
    "account_request_reauthentication_code":                             (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_confirm_reauthentication_code":                             (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_reset_password":                                            (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_reset_password_done":                                       (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_reset_password_from_key":                                   (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_reset_password_from_key_done":                              (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_set_password":                                              (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    "account_signup":                                                    (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    NOT_OFFERED_ROUTE:                                                   (404         , 404                    , 404                    , 404         , 404         , 404         , 404),
    # --- the Django admin: OCCTO staff only; everyone else is sent to its log-in, which refuses operator users --
    "admin/(?P<url>.*)$":                                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 404         , 404),
    "admin/account/emailaddress/<path:object_id>/":                      (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/accounts/adminidissuance/<path:object_id>/":                  (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/accounts/termsversion/<path:object_id>/":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/accounts/user/<path:object_id>/":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/auth/group/<path:object_id>/":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/capacity_market/auditentry/<path:object_id>/":                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/capacity_market/servicecalendarexception/<path:object_id>/":  (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/notices/notice/<path:object_id>/":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/notices/noticedispatch/<path:object_id>/":                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/tenants/operator/<path:object_id>/":                          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/registration/operatorapplication/<path:object_id>/":          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:account_emailaddress_add":                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:account_emailaddress_change":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:account_emailaddress_changelist":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:account_emailaddress_delete":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:account_emailaddress_history":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:accounts_adminidissuance_add":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:accounts_adminidissuance_change":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:accounts_adminidissuance_changelist":                         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:accounts_adminidissuance_delete":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:accounts_adminidissuance_history":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:accounts_termsversion_add":                                   (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:accounts_termsversion_change":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , 200),
    "admin:accounts_termsversion_changelist":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:accounts_termsversion_delete":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:accounts_termsversion_history":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:accounts_user_add":                                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:accounts_user_change":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , 200),
    "admin:accounts_user_changelist":                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:accounts_user_delete":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:accounts_user_history":                                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:app_list":                                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auth_group_add":                                              (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auth_group_change":                                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auth_group_changelist":                                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auth_group_delete":                                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auth_group_history":                                          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:autocomplete":                                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (403, 405)  , (403, 405)),
    "admin:capacity_market_auditentry_add":                              (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:capacity_market_auditentry_change":                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , (200, 403)),
    "admin:capacity_market_auditentry_changelist":                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:capacity_market_auditentry_delete":                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:capacity_market_auditentry_history":                          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:capacity_market_servicecalendarexception_add":                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:capacity_market_servicecalendarexception_change":             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , 200),
    "admin:capacity_market_servicecalendarexception_changelist":         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:capacity_market_servicecalendarexception_delete":             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:capacity_market_servicecalendarexception_history":            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:index":                                                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:jsi18n":                                                      (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 405)  , (200, 405)),
    "admin:login":                                                       (LOGIN       , 403                    , 403                    , 403         , 403         , ADMIN_INDEX , ADMIN_INDEX),
    "admin:logout":                                                      (ADMIN_INDEX , ADMIN_INDEX            , ADMIN_INDEX            , ADMIN_INDEX , ADMIN_INDEX , (405, LOGIN), (405, LOGIN)),
    "admin:notices_notice_add":                                          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:notices_notice_change":                                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , 200),
    "admin:notices_notice_changelist":                                   (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:notices_notice_delete":                                       (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:notices_notice_email":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , (200, CHANGE)),
    "admin:notices_notice_history":                                      (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:notices_noticedispatch_add":                                  (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:notices_noticedispatch_change":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:notices_noticedispatch_changelist":                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:notices_noticedispatch_delete":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:notices_noticedispatch_history":                              (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:password_change":                                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , PASSWORD_CHANGE, PASSWORD_CHANGE),
    "admin:password_change_done":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , PASSWORD_CHANGE, PASSWORD_CHANGE),
    "admin:tenants_operator_add":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:tenants_operator_change":                                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:tenants_operator_changelist":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:tenants_operator_delete":                                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:tenants_operator_history":                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_operatorapplication_add":                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_operatorapplication_change":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_operatorapplication_changelist":                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_operatorapplication_delete":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_operatorapplication_history":                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    # --- resources (issue #3) ---
    "registration:resource_list":                                        (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_new":                                         (LOGIN       , 200                    , 200                    , 200         , 200         , 404         , 404),
    "registration:resource_detail":                                      (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_change":                                      (LOGIN       , 200                    , 200                    , 404         , 404         , 404         , 404),
    "registration:resource_delete":                                      (LOGIN       , 200                    , 403                    , 404         , 404         , 404         , 404),
    "registration:resource_application_list":                            (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "registration:application_list":                                     (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:application_list":                                         (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_application_detail":                          (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_application_resubmit":                        (LOGIN       , 200                    , 200                    , 404         , 404         , 404         , 404),
    "registration:resource_application_withdraw":                        (LOGIN       , (200, RESOURCE_APP_PAGE), (200, RESOURCE_APP_PAGE), 404        , 404         , 404         , 404),
    "registration:resource_import":                                      (LOGIN       , 200                    , 200                    , 200         , 200         , 404         , 404),
    "registration:resource_import_template":                             (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_import_job":                                  (LOGIN       , (200, IMPORT_JOB_PAGE) , (200, IMPORT_JOB_PAGE) , 404         , 404         , 404         , 404),
    "registration:resource_import_status":                               (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "registration:resource_export":                                      (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "admin/registration/resource/<path:object_id>/":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/registration/resourceapplication/<path:object_id>/":          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:registration_resource_add":                                   (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_resource_change":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:registration_resource_changelist":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_resource_delete":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_resource_history":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_resourceapplication_add":                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_resourceapplication_change":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_resourceapplication_changelist":                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:registration_resourceapplication_delete":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:registration_resourceapplication_history":                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    # --- auctions and expected capacity (issue #3) ---
    "auctions:list":                                                     (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "auctions:detail":                                                   (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "auctions:expected_capacity":                                        (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:expected_capacity_apply":                                  (LOGIN       , 200                    , 200                    , 404         , 404         , 404         , 404),
    "auctions:qualified":                                                (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:qualification_notice":                                     (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:application_detail":                                       (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:application_withdraw":                                     (LOGIN       , (200, EC_APP_PAGE)     , (200, EC_APP_PAGE)     , 404         , 404         , 404         , 404),
    "auctions:application_resubmit":                                     (LOGIN       , 200                    , 200                    , 404         , 404         , 404         , 404),
    "auctions:import":                                                   (LOGIN       , 200                    , 200                    , 200         , 200         , 404         , 404),
    "auctions:import_template":                                          (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:import_job":                                               (LOGIN       , (200, EC_IMPORT_PAGE)  , (200, EC_IMPORT_PAGE)  , 404         , 404         , 404         , 404),
    "auctions:import_status":                                            (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:bids":                                                     (LOGIN       , (200, BIDS_PAGE)       , (200, BIDS_PAGE)       , (200, BIDS_PAGE), (200, BIDS_PAGE), 404   , 404),
    "auctions:bid_detail":                                               (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:bid_withdraw":                                             (LOGIN       , (200, BID_PAGE)        , (200, BID_PAGE)        , 404         , 404         , 404         , 404),
    "auctions:bids_csv":                                                 (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:bid_import":                                               (LOGIN       , 200                    , 200                    , 200         , 200         , 404         , 404),
    "auctions:bid_import_template":                                      (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:bid_receipt":                                              (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:bid_import_job":                                           (LOGIN       , (200, BID_IMPORT_PAGE) , (200, BID_IMPORT_PAGE) , 404         , 404         , 404         , 404),
    "auctions:bid_import_status":                                        (LOGIN       , (200, 405)             , (200, 405)             , (404, 405)  , (404, 405)  , (404, 405)  , (404, 405)),
    "auctions:results":                                                  (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "auctions:results_awards_csv":                                       (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (404, 405)  , (404, 405)),
    "auctions:results_summary_csv":                                      (LOGIN       , (200, 405)             , (200, 405)             , (200, 405)  , (200, 405)  , (200, 405)  , (200, 405)),
    "admin/auctions/auction/<path:object_id>/":                          (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/auctions/expectedcapacity/<path:object_id>/":                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/auctions/expectedcapacityapplication/<path:object_id>/":      (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin/auctions/sentreminder/<path:object_id>/":                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:auctions_auction_add":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 200),
    "admin:auctions_auction_change":                                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , 200),
    "admin:auctions_auction_changelist":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_auction_delete":                                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_auction_history":                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_expectedcapacity_add":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_expectedcapacity_change":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_expectedcapacity_changelist":                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_expectedcapacity_delete":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_expectedcapacity_history":                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_expectedcapacityapplication_add":                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_expectedcapacityapplication_change":                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_expectedcapacityapplication_changelist":             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_expectedcapacityapplication_delete":                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_expectedcapacityapplication_history":                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_sentreminder_add":                                   (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_sentreminder_change":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_sentreminder_changelist":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_sentreminder_delete":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_sentreminder_history":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    # --- the OCCTO admin of bids and clearing (issue #4) ---
    "admin/auctions/bid/<path:object_id>/":                              (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:auctions_bid_add":                                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_bid_change":                                         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_bid_changelist":                                     (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_bid_delete":                                         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_bid_history":                                        (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin/auctions/bidsubmission/<path:object_id>/":                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:auctions_bidsubmission_add":                                  (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_bidsubmission_change":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_bidsubmission_changelist":                           (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_bidsubmission_delete":                               (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_bidsubmission_history":                              (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin/auctions/clearingrun/<path:object_id>/":                      (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:auctions_clearingrun_add":                                    (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_clearingrun_change":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_clearingrun_changelist":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_clearingrun_delete":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_clearingrun_history":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_auction_clearing":                                   (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, CLEARING_PAGE)),
    "admin:auctions_auction_clearing_input":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 405)  , (200, 405)),
    "admin:auctions_clearingrun_status":                                 (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 405)  , (200, 405)),
    "admin:auctions_clearingrun_publish":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , (200, CLEARING_PAGE)),
    "admin:auctions_bid_export":                                         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 405)  , (200, 405)),
    "admin/auctions/clearingoutcome/<path:object_id>/":                  (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , CHANGE      , CHANGE),
    "admin:auctions_clearingoutcome_add":                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_clearingoutcome_change":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 403)  , (200, 403)),
    "admin:auctions_clearingoutcome_changelist":                         (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_clearingoutcome_delete":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 403         , 403),
    "admin:auctions_clearingoutcome_history":                            (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 200         , 200),
    "admin:auctions_clearingoutcome_export":                             (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , (200, 405)  , (200, 405)),
    "admin:view_on_site":                                                (ADMIN_LOGIN , ADMIN_LOGIN            , ADMIN_LOGIN            , ADMIN_LOGIN , ADMIN_LOGIN , 404         , 404),
}

# Cells where the system does not (yet) answer what the specification says: (url, persona, method) → why.
# Each is an xfail(strict=True): it turns red the day the system is fixed, so the entry is then removed.
KNOWN_PROBLEMS: dict = {}

# URL patterns deliberately left out of the matrix (generic Django admin pages only, each with its reason).
# Empty: every pattern, the admin's generic ones included, has a row.
NOT_IN_MATRIX: dict[str, str] = {}

# What operator A's outsiders (visitors and operator B's people) must never read, whatever the page answers.
OUTSIDERS = ("anonymous", "admin_b", "user_b")


def a_secrets(w: World) -> list[str]:
    return [w.operator_a.name, w.operator_a.code, w.target_a.login_id, w.target_a.email, w.notice_a.title,
            w.application_a.number, w.people["admin_a"].login_id]


def outcome(response) -> str | int:
    """The status code, or "→view_name" for a redirect (the view its Location resolves to)."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"]).path
        name = resolve(location).view_name
        if name.startswith("admin:") and name.endswith("_change") and name != "admin:password_change":
            return CHANGE
        return f"→{name}"
    return response.status_code


def _cells():
    for key, row in MATRIX.items():
        assert len(row) == len(PERSONAS), key
        for persona, cell in zip(PERSONAS, row, strict=True):
            get, post = cell if isinstance(cell, tuple) else (cell, cell)
            for method, expected in (("GET", get), ("POST", post)):
                reason = KNOWN_PROBLEMS.get((key, persona, method))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(key, persona, method, expected, marks=marks, id=f"{key}|{persona}|{method}")


def _request(client: Client, method: str, url: str, **extra):
    return client.get(url, **extra) if method == "GET" else client.post(url, {}, **extra)


@pytest.mark.parametrize(("key", "persona", "method", "expected"), list(_cells()))
def test_each_persona_gets_exactly_what_the_matrix_says(world, key, persona, method, expected):
    url = url_for(key, world)
    response = _request(world.client(persona), method, url)

    assert response.status_code != 500
    assert outcome(response) == expected, f"{method} {url} as {persona}"
    if expected in (LOGIN, ADMIN_LOGIN) and key not in ("account_logout", "admin:logout", "admin:login"):
        assert parse_next(response) == url, "the log-in page brings the visitor back where they were going"
    if persona in OUTSIDERS and hasattr(response, "content"):
        body = response.content.decode(errors="replace")
        assert not [s for s in a_secrets(world) if s in body], f"operator A's data leaked to {persona} at {url}"


def parse_next(response) -> str:
    from urllib.parse import parse_qs

    return parse_qs(urlsplit(response["Location"]).query).get("next", [""])[0]


def test_every_url_pattern_has_a_row_in_the_matrix():
    patterns = set(url_patterns()) - NOT_IN_MATRIX.keys()
    missing = sorted(patterns - MATRIX.keys())
    stale = sorted(MATRIX.keys() - patterns)
    assert not missing, f"URL patterns without a row in MATRIX (add one, with the answer of each persona): {missing}"
    assert not stale, f"rows of MATRIX for URL patterns that no longer exist: {stale}"


def test_every_row_of_the_matrix_can_be_reached(world):
    """Each row's URL resolves to the pattern the row is about (a wrong KWARGS/UNNAMED_PATHS entry fails here)."""
    routes = url_patterns()
    for key in MATRIX:
        match = resolve(urlsplit(url_for(key, world)).path)
        if key in SHADOWED:
            answered_by = match.view_name if match.url_name else match.func.__name__
            assert answered_by == SHADOWED[key], (key, answered_by)
        elif key in UNNAMED_PATHS:
            assert match.url_name is None and match.route == routes[key].replace("^", ""), (key, match.route)
        else:
            assert match.view_name == key, (key, match.view_name)

# allauth names whose path one of our patterns answers first (ours, or the not_offered 404).
SHADOWED = {
    "account_change_password": "accounts:password_change",
    **dict.fromkeys(("account_inactive", "account_signup", "account_reauthenticate", "account_request_reauthentication_code", "account_confirm_reauthentication_code", "account_email", "account_email_verification_sent", "account_set_password", "account_reset_password", "account_confirm_login_code", "account_confirm_email", "account_reset_password_from_key_done", "account_reset_password_from_key", "account_reset_password_done"), "not_offered"),
}


# --- garbage: no input ever answers 500 ---------------------------------------------------------------------------

GARBAGE_NUMBERS = ("0", "2147483648", "9223372036854775808", "999999999999999999999", "0" * 30 + "1", "9" * 400)
GARBAGE_TOKENS = (
    "abc", "-1", "1.5", "NaN", "999999999999999999999", "x" * 5000, "%00", "a%00b", "%FF%FE", "%E6%97%A5%E6%9C%AC",
    "%27%20OR%201%3D1--", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "MQ:1vXXXX:abcdef", "eyJhIjoxfQ:1vX:x",
)
GARBAGE_QUERY = "?page={g}&p={g}&q={g}&o={g}&e={g}&next={g}&deleted={g}&all={g}&_changelist_filters={g}"
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def garbage_paths(route: str):
    """Paths of `route` with every path parameter replaced by garbage (numbers, tokens, huge, NUL, bad UTF-8)."""
    if not _PARAM.search(route):
        return []
    int_only = all(m.group("conv") == "int" for m in _PARAM.finditer(route))
    values = GARBAGE_NUMBERS + GARBAGE_TOKENS if not int_only else GARBAGE_NUMBERS + ("abc", "-1", "%00")
    return ["/" + _PARAM.sub(lambda m, v=v: v, route).replace("^", "").replace("$", "") for v in values]


def _garbage_rows():
    routes = url_patterns()
    return [pytest.param(key, routes[key], id=key) for key in MATRIX]


@pytest.mark.parametrize(("key", "route"), _garbage_rows())
def test_no_url_answers_500_to_garbage(world, key, route):
    """Every persona, GET and POST: garbage path parameters, and garbage in every query parameter we read."""
    requests = [*garbage_paths(route)]
    url = url_for(key, world)
    requests += [url + GARBAGE_QUERY.format(g=g) for g in ("%00", "-1", "9" * 400, "%FF", "x" * 3000)]
    problems = []
    for persona in PERSONAS:
        client = world.client(persona)
        client.raise_request_exception = False
        for path in requests:
            for method in ("GET", "POST"):
                response = _request(client, method, path)
                if response.status_code >= 500:
                    problems.append(f"{method} {path[:120]} as {persona}: {response.status_code}")
    assert not problems, "\n".join(problems)


# Rows whose URL addresses one object of operator A, and how to address a missing one the same way.
OBJECT_ROWS = {key: fn for key, fn in KWARGS.items()
               if key.startswith(("accounts:user_", "registration:application_", "notices:detail"))}


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("key", sorted(OBJECT_ROWS))
def test_an_outsider_cannot_tell_operator_a_objects_from_missing_ones(world, key, persona):
    """Operator A's object and an object that does not exist answer the same to outsiders (no existence oracle)."""
    client = world.client(persona)
    real = client.get(url_for(key, world))
    missing = client.get(reverse(key, kwargs={"pk": 2_000_000_000}))
    assert real.status_code == missing.status_code
    assert real.status_code in (302, 403, 404)
