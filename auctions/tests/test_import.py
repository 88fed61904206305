"""Bulk registration of expected capacity by CSV through the generic import engine."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from auctions.models import ExpectedCapacityApplication
from auctions.qualification.csv_import import HEADERS
from capacity_market.models import ImportJob
from tests.factories import ResourceFactory, unit

pytestmark = pytest.mark.django_db


def csv_file(rows, *, encoding="cp932", name="expected.csv") -> SimpleUploadedFile:
    lines = [",".join(HEADERS)] + [",".join(str(c) for c in row) for row in rows]
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding), content_type="text/csv")


def upload(client, auction, file):
    return client.post(reverse("auctions:import", kwargs={"pk": auction.pk}), {"file": file})


def job():
    return ImportJob.objects.get(kind="auctions.expected_capacity")


def test_a_shift_jis_file_is_checked_then_imported_as_applications_all_at_once(client_for, user_a, auction,
                                                                               resource_a, solar_a):
    client = client_for(user_a)
    mail.outbox.clear()
    response = upload(client, auction, csv_file([
        [auction.code, resource_a.grid_code, "みらい火力1号機", "140000", "定格ベース"],
        [auction.code, solar_a.grid_code, "みらい太陽光", "", ""],
    ]))
    imported = job()
    assert response["Location"] == reverse("auctions:import_job", kwargs={"pk": imported.pk})
    assert (imported.status, imported.encoding) == ("valid", "cp932")
    assert not ExpectedCapacityApplication.objects.exists()
    client.post(reverse("auctions:import_job", kwargs={"pk": imported.pk}))
    applications = {a.resource_id: a for a in ExpectedCapacityApplication.objects.all()}
    assert applications[resource_a.pk].expected_kw == 140_000
    assert applications[solar_a.pk].expected_kw == 1_013 and applications[solar_a.pk].import_job == imported
    assert job().status == "done" and job().imported_count == 2
    assert mail.outbox == []  # no receipt per application of a file


def test_every_bad_row_is_listed_and_nothing_is_saved(client_for, user_a, operator_b, auction, resource_a):
    other = ResourceFactory(operator=operator_b)
    rows = [[auction.code, resource_a.grid_code, "", "999999", ""] for _ in range(1)]  # over installed
    rows += [[auction.code, other.grid_code, "", "1000", ""] for _ in range(49)]  # another operator's resource
    upload(client_for(user_a), auction, csv_file(rows))
    imported = job()
    assert imported.status == "invalid" and len(imported.errors) == 50
    page = client_for(user_a).get(reverse("auctions:import_job", kwargs={"pk": imported.pk})).content.decode()
    assert page.count('class="import-error"') == 50
    assert not ExpectedCapacityApplication.objects.exists()


def test_a_typed_value_for_a_variable_resource_must_be_the_computed_one(client_for, user_a, auction, solar_a):
    upload(client_for(user_a), auction, csv_file([[auction.code, solar_a.grid_code, "", "4000", ""]]))
    [error] = job().errors
    assert error["column"] == "期待容量(kW)" and "4,321 kW × 0.2345 = 1,013 kW" in error["message"]


def test_rows_below_the_auctions_threshold_are_errors_naming_it(client_for, user_a, operator_a, auction, resource_a):
    """Stable 999 kW; a dispatch resource 999 kW; an aggregate whose units give 999 kW (wind, Tohoku: × 0.5); and
    the same three at 1,000 kW in a second file, which is valid."""
    dispatch = ResourceFactory(operator=operator_a, category="dispatch", generation_type="dr", area="tohoku",
                               installed_kw=3_000,
                               units=[unit(1_500, area="tohoku", generation_type="dr") for _ in range(2)])
    small = ResourceFactory(operator=operator_a, category="variable_aggregate", generation_type="wind",
                            area="tohoku", installed_kw=1_998, can_adjust_output=False,
                            units=[unit(999, area="tohoku", generation_type="wind") for _ in range(2)])
    client = client_for(user_a)
    upload(client, auction, csv_file([
        [auction.code, resource_a.grid_code, "", "999", ""],
        [auction.code, dispatch.grid_code, "", "999", ""],
        [auction.code, small.grid_code, "", "", ""],
    ]))
    errors = job().errors
    assert [(e["row"], e["column"]) for e in errors] == [(2, "期待容量(kW)"), (3, "期待容量(kW)"),
                                                         (4, "期待容量(kW)")]
    assert errors[0]["message"] == ("期待容量（999 kW）がこのオークションの参加要件（安定電源：期待容量1,000 kW以上）を"
                                    "下回っています。")
    assert "発動指令電源は、期待容量の合計が1,000 kW以上必要です。" in errors[1]["message"]
    assert "構成ユニットの期待容量の合計が1,000 kW以上" in errors[2]["message"]
    assert "1,998 kW × 0.5000 = 999 kW" in errors[2]["message"]
    assert not ExpectedCapacityApplication.objects.exists()
    ImportJob.objects.all().delete()
    large = ResourceFactory(operator=operator_a, category="variable_aggregate", generation_type="wind",
                            area="tohoku", installed_kw=2_000, can_adjust_output=False,
                            units=[unit(999, area="tohoku", generation_type="wind") for _ in range(2)]
                            + [unit(2, area="tohoku", generation_type="wind")])
    upload(client, auction, csv_file([
        [auction.code, resource_a.grid_code, "", "1000", ""],
        [auction.code, dispatch.grid_code, "", "1000", ""],
        [auction.code, large.grid_code, "", "", ""],
    ]))
    assert job().status == "valid", job().errors


def test_the_upload_page_states_the_threshold(client_for, user_a, auction):
    page = client_for(user_a).get(reverse("auctions:import", kwargs={"pk": auction.pk})).content.decode()
    assert "どの区分も期待容量は1,000 kW（このオークションの参加要件）以上、設備容量以下です。" in page


def test_unknown_auctions_duplicates_and_bad_numbers_are_errors_by_column(client_for, user_a, auction, resource_a):
    upload(client_for(user_a), auction, csv_file([
        ["main-1999", resource_a.grid_code, "", "1000", ""],
        [auction.code, resource_a.grid_code, "", "abc", ""],
        [auction.code, resource_a.grid_code, "", "2000", ""],
        [auction.code, resource_a.grid_code, "", "3000", ""],
        [auction.code, "", "", "3000", ""],
        [auction.code, resource_a.grid_code, "", "1²", ""],  # a superscript is a digit to str.isdigit, not to us
    ], encoding="utf-8-sig"))
    columns = [(e["row"], e["column"]) for e in job().errors]
    assert columns == [(2, "オークション"), (3, "期待容量(kW)"), (5, "系統コード"), (6, "系統コード"),
                       (7, "期待容量(kW)")]


def test_a_large_file_is_processed_in_the_background(client_for, user_a, operator_a, auction, settings,
                                                     django_capture_on_commit_callbacks):
    settings.BULK_IMPORT_BACKGROUND_ROWS = 5
    resources = [ResourceFactory(operator=operator_a) for _ in range(8)]
    client = client_for(user_a)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        upload(client, auction, csv_file([[auction.code, r.grid_code, r.name, "100000", ""] for r in resources],
                                         encoding="utf-8-sig"))
    imported = job()
    assert imported.status == "validating"  # left to the Celery task
    page = client.get(reverse("auctions:import_job", kwargs={"pk": imported.pk})).content.decode()
    assert "<progress" in page
    for callback in queued:
        callback()
    imported.refresh_from_db()
    assert imported.status == "valid" and imported.total_rows == 8
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("auctions:import_job", kwargs={"pk": imported.pk}))
    assert ExpectedCapacityApplication.objects.count() == 8
    status = client.get(reverse("auctions:import_status", kwargs={"pk": imported.pk})).json()
    assert status["status"] == "done" and status["processed_rows"] == 8


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", "違うヘッダ,x\r\n1,2\r\n".encode("cp932"),
                                     ",".join(HEADERS).encode()])
def test_a_malformed_file_gets_a_message_and_never_a_500(client_for, user_a, auction, content):
    response = upload(client_for(user_a), auction, SimpleUploadedFile("x.csv", content))
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_the_template_lists_the_operators_resources_with_computed_values(client_for, user_a, auction, resource_a,
                                                                         solar_a):
    response = client_for(user_a).get(reverse("auctions:import_template", kwargs={"pk": auction.pk}))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(HEADERS))
    assert f"{auction.code},{solar_a.grid_code},みらい太陽光,1013," in text
    assert f"{auction.code},{resource_a.grid_code},みらい火力1号機,," in text


def test_another_operator_cannot_see_or_confirm_the_job(client_for, user_a, user_b, auction, resource_a):
    upload(client_for(user_a), auction, csv_file([[auction.code, resource_a.grid_code, "", "1000", ""]]))
    client = client_for(user_b)
    assert client.get(reverse("auctions:import_job", kwargs={"pk": job().pk})).status_code == 404
    assert client.post(reverse("auctions:import_job", kwargs={"pk": job().pk})).status_code == 404
    assert client.get(reverse("auctions:import_status", kwargs={"pk": job().pk})).status_code == 404
    assert not ExpectedCapacityApplication.objects.exists()


def test_checking_a_file_runs_the_same_queries_for_5_and_50_rows(client_for, user_a, operator_a, auction):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(user_a)
    resources = [ResourceFactory(operator=operator_a) for _ in range(50)]

    def queries(n):
        with CaptureQueriesContext(connection) as ctx:
            upload(client, auction, csv_file([[auction.code, r.grid_code, "", "100000", ""] for r in resources[:n]],
                                             name=f"{n}.csv"))
        return len(ctx.captured_queries)

    assert queries(5) == queries(50)
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"valid"}
