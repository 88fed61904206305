"""Bids by CSV: one file = one receipt through submit_bids; every error by row and column; all or nothing."""

import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auctions.bidding import services as bidding
from auctions.bidding.csv_import import HEADERS
from auctions.models import Bid, BidSubmission, BidVersion
from capacity_market import bulk_import
from capacity_market.models import ImportJob
from conftest import JST
from tests.factories import AuctionFactory, ExpectedCapacityFactory, ResourceFactory

from .conftest import jst

pytestmark = pytest.mark.django_db


def csv_file(rows, *, encoding="cp932", name="bids.csv") -> SimpleUploadedFile:
    lines = [",".join(HEADERS)] + [",".join(str(c) for c in row) for row in rows]
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding), content_type="text/csv")


def upload(client, auction, file):
    return client.post(reverse("auctions:bid_import", kwargs={"pk": auction.pk}), {"file": file})


def job():
    return ImportJob.objects.get(kind="auctions.bids")


def job_url(j):
    return reverse("auctions:bid_import_job", kwargs={"pk": j.pk})


def test_a_shift_jis_file_is_checked_then_stored_as_one_receipt(client_for, user_a, bid_auction, res_a, res_a2):
    client = client_for(user_a)
    response = upload(client, bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "みらい火力1号機", '"90,000"', "9000", ""],
        [bid_auction.code, res_a2.grid_code, "", "50000", "15112", ""],
    ]))
    imported = job()
    assert response["Location"] == job_url(imported)
    assert imported.errors == []
    assert (imported.status, imported.encoding) == ("valid", "cp932") and not Bid.objects.exists()
    response = client.post(job_url(imported))
    receipt = BidSubmission.objects.get()
    assert (receipt.source, receipt.import_job, receipt.bid_count) == ("csv", imported, 2)
    assert {b.resource_id: (b.quantity_kw, b.price_yen) for b in Bid.objects.all()} == {
        res_a.pk: (90_000, 9_000), res_a2.pk: (50_000, 15_112)}
    assert job().status == "done" and job().imported_count == 2
    page = client.get(job_url(imported)).content.decode()
    assert receipt.receipt_number in page
    # confirming again imports nothing more
    client.post(job_url(imported))
    assert BidSubmission.objects.count() == 1 and BidVersion.objects.count() == 2


def test_every_bad_row_is_listed_by_row_and_column_and_nothing_is_stored(client_for, user_a, operator_a, operator_b,
                                                                        bid_auction, res_a, res_a2):
    other = ResourceFactory(operator=operator_b)
    unqualified = ResourceFactory(operator=operator_a)
    upload(client_for(user_a), bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "", "100001", "15113", ""],  # 2: over expected and over upper price
        ["main-1999", res_a2.grid_code, "", "1000", "1", ""],  # 3: unknown auction
        [bid_auction.code, other.grid_code, "", "1000", "1", ""],  # 4: another operator's resource
        [bid_auction.code, unqualified.grid_code, "", "1000", "1", ""],  # 5: not qualified
        [bid_auction.code, res_a2.grid_code, "", "abc", "", "x"],  # 6: bad numbers and version
    ]))
    imported = job()
    assert imported.status == "invalid"
    columns = [(e["row"], e["column"]) for e in imported.errors]
    assert columns == [(2, "応札価格(円/kW)"), (2, "応札容量(kW)"), (3, "オークション"), (4, "系統コード"),
                       (5, "系統コード"), (6, "バージョン"), (6, "応札価格(円/kW)"), (6, "応札容量(kW)")]
    page = client_for(user_a).get(job_url(imported)).content.decode()
    assert page.count('class="import-error"') == 8
    assert not Bid.objects.exists() and not BidSubmission.objects.exists()


def test_rows_below_the_smallest_bid_or_above_the_expected_capacity_are_errors(client_for, user_a, bid_auction,
                                                                               res_a, res_a2):
    """res_a: 999 kW (the smallest bid is 1,000 kW); res_a2: 50,001 kW (qualified with 50,000 kW)."""
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "", "999", "100", ""],
        [bid_auction.code, res_a2.grid_code, "", "50001", "100", ""],
    ]))
    errors = job().errors
    assert [(e["row"], e["column"]) for e in errors] == [(2, "応札容量(kW)"), (3, "応札容量(kW)")]
    assert "最低応札容量（1,000 kW）" in errors[0]["message"] and "999 kW" in errors[0]["message"]
    assert "承認済み期待容量（50,000 kW）" in errors[1]["message"]
    ImportJob.objects.all().delete()
    upload(client, bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "", "1000", "100", ""],
        [bid_auction.code, res_a2.grid_code, "", "50000", "100", ""],
    ]))
    assert job().status == "valid", job().errors


def test_the_upload_page_states_the_bounds_of_a_bid(client_for, user_a, bid_auction):
    page = client_for(user_a).get(reverse("auctions:bid_import", kwargs={"pk": bid_auction.pk})).content.decode()
    assert "応札容量：このオークションの最低応札容量1,000 kWから、電源等の承認済み期待容量まで（kW単位の整数）。" in page


def test_rows_of_two_auctions_and_a_duplicate_resource_are_errors(client_for, user_a, operator_a, bid_auction, res_a):
    other = AuctionFactory(bidding=True, delivery_fiscal_year=2040)
    upload(client_for(user_a), bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "", "1000", "1", ""],
        [other.code, res_a.grid_code, "", "1000", "1", ""],
        [bid_auction.code, res_a.grid_code, "", "2000", "2", ""],
    ]))
    columns = [(e["row"], e["column"]) for e in job().errors]
    assert (3, "オークション") in columns and (4, "系統コード") in columns


def test_a_stale_version_in_the_file_is_refused_with_who_changed_it(client_for, user_a, admin_a, bid_auction, res_a):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    client = client_for(user_a)
    template = client.get(reverse("auctions:bid_import_template", kwargs={"pk": bid_auction.pk}))
    lines = template.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADERS) and lines[1].endswith(",90000,9000,1")
    bidding.submit_bids(auction=bid_auction, actor=admin_a, entries=[(res_a.pk, 80_000, 8_000, 1)],
                        idempotency_key=uuid.uuid4())
    upload(client, bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", "70000", "7000", "1"]]))
    [error] = job().errors
    assert error["column"] == "バージョン" and admin_a.full_name in error["message"]
    assert Bid.objects.get().quantity_kw == 80_000


def test_an_empty_version_for_a_resource_with_a_bid_is_an_error_at_the_check(client_for, user_a, bid_auction, res_a,
                                                                              res_a2):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([
        [bid_auction.code, res_a2.grid_code, "", "1000", "100", ""],  # no bid yet: empty is right
        [bid_auction.code, res_a.grid_code, "", "70000", "7000", ""],  # has a bid (version 1): must say so
    ]))
    imported = job()
    assert imported.status == "invalid"
    [error] = imported.errors
    assert (error["row"], error["column"]) == (3, "バージョン") and "1" in error["message"]
    assert client.post(job_url(imported)).status_code in (200, 302)
    bid = Bid.objects.get()
    assert (bid.quantity_kw, bid.version) == (90_000, 1) and BidSubmission.objects.count() == 1


def _last_change_at(bid) -> str:
    return timezone.localtime(bid.versions.order_by("-version").first().created_at, JST).strftime("%H:%M:%S")


def test_two_users_on_one_bid_the_file_confirmed_second_is_refused_and_told_who_and_when(client_for, user_a, admin_a,
                                                                                        bid_auction, res_a):
    """A's file is checked against version 1; B saves version 2 on the bid page; A confirms: refused, B's bid
    stays, and A's job page says who changed it when."""
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", "70000", "7000", "1"]]))
    assert job().status == "valid"
    bidding.submit_bids(auction=bid_auction, actor=admin_a, entries=[(res_a.pk, 80_000, 8_000, 1)],
                        idempotency_key=uuid.uuid4())
    client.post(job_url(job()))
    failed = job()
    assert failed.status == "failed" and failed.imported_count == 0
    [error] = failed.errors
    bid = Bid.objects.get()
    assert (bid.quantity_kw, bid.price_yen, bid.version) == (80_000, 8_000, 2)
    assert admin_a.full_name in error["message"] and _last_change_at(bid) in error["message"]
    assert BidSubmission.objects.count() == 2 and not BidSubmission.objects.filter(source="csv").exists()
    page = client.get(job_url(failed)).content.decode()
    assert admin_a.full_name in page


def test_a_bid_made_between_the_check_and_the_confirmation_refuses_an_empty_version(client_for, user_a, admin_a,
                                                                                  bid_auction, res_a, res_a2):
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([
        [bid_auction.code, res_a.grid_code, "", "70000", "7000", ""],
        [bid_auction.code, res_a2.grid_code, "", "1000", "100", ""],
    ]))
    assert job().status == "valid"  # no bid yet: empty versions are new bids
    bidding.submit_bids(auction=bid_auction, actor=admin_a, entries=[(res_a.pk, 80_000, 8_000, None)],
                        idempotency_key=uuid.uuid4())
    client.post(job_url(job()))
    assert job().status == "failed"
    [error] = job().errors
    bid = Bid.objects.get()  # the file stored nothing, not even its other row
    assert (bid.resource_id, bid.quantity_kw, bid.version) == (res_a.pk, 80_000, 1)
    assert admin_a.full_name in error["message"] and _last_change_at(bid) in error["message"]


def test_the_template_version_replaces_the_stored_bid(client_for, user_a, bid_auction, res_a):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", "70000", "7000", "1"]]))
    client.post(job_url(job()))
    bid = Bid.objects.get()
    assert (bid.quantity_kw, bid.version, bid.submission.source) == (70_000, 2, "csv")


def test_a_file_checked_before_the_close_and_confirmed_after_it_stores_nothing(client_for, user_a, bid_auction,
                                                                              res_a):
    upload(client_for(user_a), bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", "1000", "1", ""]]))
    assert job().status == "valid"
    with time_machine.travel(jst(2026, 11, 25, 18, 0, 0), tick=False):
        bulk_import.confirm(job=job(), user=user_a)  # the page itself is closed at 18:00 by the service window
    assert job().status == "failed" and not Bid.objects.exists() and not BidSubmission.objects.exists()


def test_a_closed_auction_is_an_error_at_the_check(client_for, user_a, operator_a):
    auction = AuctionFactory()  # bids in 2027
    resource = ResourceFactory(operator=operator_a)
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=1_000)
    upload(client_for(user_a), auction, csv_file([[auction.code, resource.grid_code, "", "1000", "1", ""]]))
    [error] = job().errors
    assert error["column"] == "オークション"


def test_a_large_file_is_processed_in_the_background(client_for, user_a, operator_a, bid_auction, settings,
                                                     django_capture_on_commit_callbacks):
    settings.BULK_IMPORT_BACKGROUND_ROWS = 5
    resources = [ResourceFactory(operator=operator_a) for _ in range(8)]
    for resource in resources:
        ExpectedCapacityFactory(auction=bid_auction, resource=resource, expected_kw=10_000)
    client = client_for(user_a)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(client, bid_auction, csv_file([[bid_auction.code, r.grid_code, "", "1000", "10", ""]
                                              for r in resources], encoding="utf-8-sig"))
    assert job().status == "validating"  # left to the Celery task
    page = client.get(job_url(job())).content.decode()
    assert "<progress" in page and reverse("auctions:bid_import_status", kwargs={"pk": job().pk}) in page
    for callback in queued:
        callback()
    assert job().status == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url(job()))
    assert job().status == "done" and BidSubmission.objects.get().bid_count == 8
    status = client.get(reverse("auctions:bid_import_status", kwargs={"pk": job().pk})).json()
    assert status["status"] == "done" and status["imported_count"] == 8


def test_malformed_files_are_refused_with_a_message(client_for, user_a, bid_auction):
    client = client_for(user_a)
    for file in (SimpleUploadedFile("x.csv", b"a,b\r\n1,2\r\n"), SimpleUploadedFile("x.csv", b"\x00\x01"),
                 SimpleUploadedFile("x.csv", b"")):
        response = upload(client, bid_auction, file)
        assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_another_operator_gets_404_for_the_job(client_for, user_a, user_b, bid_auction, res_a):
    upload(client_for(user_a), bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", "1000", "1", ""]]))
    client = client_for(user_b)
    assert client.get(job_url(job())).status_code == 404
    assert client.post(job_url(job())).status_code == 404
    assert not Bid.objects.exists()


def test_checking_runs_the_same_queries_for_5_and_50_rows(client_for, user_a, operator_a, bid_auction):
    resources = [ResourceFactory(operator=operator_a) for _ in range(50)]
    for resource in resources:
        ExpectedCapacityFactory(auction=bid_auction, resource=resource, expected_kw=10_000)
    client = client_for(user_a)

    def count(n):
        with CaptureQueriesContext(connection) as ctx:
            upload(client, bid_auction, csv_file([[bid_auction.code, r.grid_code, "", "1000", "1", ""]
                                                  for r in resources[:n]]))
        return len(ctx.captured_queries)

    assert count(5) == count(50)


@pytest.mark.parametrize(("typed", "stored"), [("1 000", 1_000), ("１，０００", 1_000), ("1,000", 1_000)])
def test_numbers_are_read_as_people_type_them(client_for, user_a, bid_auction, res_a, typed, stored,
                                               django_capture_on_commit_callbacks):
    client = client_for(user_a)
    upload(client, bid_auction, csv_file([[bid_auction.code, res_a.grid_code, "", f'"{typed}"', "5", ""]],
                                         encoding="utf-8-sig"))
    assert job().status == "valid", job().errors
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job_url(job()))
    assert Bid.objects.get().quantity_kw == stored


@pytest.mark.parametrize("typed", ["1²", "٣", "1.5", "1e3", "-1", "9" * 30])
def test_anything_but_plain_digits_is_an_error_of_its_cell_and_never_a_crash(client_for, user_a, bid_auction,
                                                                              res_a, typed):
    response = upload(client_for(user_a), bid_auction,
                      csv_file([[bid_auction.code, res_a.grid_code, "", typed, "5", ""]], encoding="utf-8-sig"))
    assert response.status_code == 302
    assert job().status == "invalid" and [e["column"] for e in job().errors] == ["応札容量(kW)"]
    assert not Bid.objects.exists()
