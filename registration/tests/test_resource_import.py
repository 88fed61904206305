"""Bulk registration of resources by CSV: encodings, preview of every error, all-or-nothing, background jobs."""

import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capacity_market.models import ImportJob
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import ResourceApplication
from registration.resource_import import HEADERS
from tests.factories import ResourceFactory, grid_code

pytestmark = pytest.mark.django_db

IMPORT_URL = "registration:resource_import"


def resource_row(code=None, *, name="みらい火力", area="東京", category="安定電源", gen="LNG", kw="150,000",
                 parent="", **extra) -> list[str]:
    row = {
        "系統コード": code or grid_code(), "親系統コード": parent, "電源等名称": name, "エリア": area, "区分": category,
        "発電方式": gen, "設備容量(kW)": kw, "運転開始日": "2005/4/1", "出力調整": "可", "FIT/FIP": "なし",
        "FIT/FIP支援終了日": "", "継続運転時間(h)": "", "所有者": "",
    }
    row.update(extra)
    return [row[h] for h in HEADERS]


def unit_row(parent: str, kw: int = 500, code=None) -> list[str]:
    return resource_row(code, parent=parent, name="", category="", gen="太陽光", kw=str(kw))


def csv_bytes(rows, *, encoding="utf-8-sig", header=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, name="resources.csv"):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm(client, job):
    return client.post(reverse("registration:resource_import_job", args=[job.pk]))


def test_a_shift_jis_file_as_excel_saves_it_imports_as_new_applications(client_for, user_a):
    client = client_for(user_a)
    rows = [resource_row(name="髙島火力①"), resource_row(name="ﾐﾗｲ発電所", category="発動指令電源", gen="石油その他")]
    response = upload(client, csv_bytes(rows, encoding="cp932"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.encoding == "cp932"
    assert job.status == ImportJob.Status.VALID, job.errors
    assert not ResourceApplication.objects.exists()
    confirm(client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.imported_count == 2
    names = set(ResourceApplication.objects.values_list("name", flat=True))
    assert names == {"髙島火力①", "ﾐﾗｲ発電所"}
    assert set(ResourceApplication.objects.values_list("status", flat=True)) == {ReviewStatus.SUBMITTED}


def test_a_utf8_bom_file_imports_an_aggregate_with_its_unit_rows(client_for, user_a):
    client = client_for(user_a)
    parent = grid_code()
    rows = [resource_row(parent_code := parent, category="変動電源(アグリゲート)", gen="太陽光", kw="1500"),
            unit_row(parent_code, 500), unit_row(parent_code, 500), unit_row(parent_code, 500)]
    upload(client, csv_bytes(rows, encoding="utf-8-sig"))
    job = ImportJob.objects.get()
    assert job.encoding == "utf-8-sig" and job.status == ImportJob.Status.VALID, job.errors
    confirm(client, job)
    application = ResourceApplication.objects.get()
    assert application.units.count() == 3 and application.import_job_id == job.pk


def test_a_utf8_file_without_bom_and_english_keys_is_accepted(client_for, user_a):
    client = client_for(user_a)
    upload(client, csv_bytes([resource_row(area="tokyo", category="stable", gen="lng")], encoding="utf-8"))
    assert ImportJob.objects.get().status == ImportJob.Status.VALID


def test_a_file_with_50_bad_rows_lists_all_50_errors_and_imports_nothing(client_for, user_a):
    client = client_for(user_a)
    rows = [resource_row() for _ in range(10)] + [resource_row(kw="0") for _ in range(50)]
    response = upload(client, csv_bytes(rows))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert len(job.errors) == 50
    assert {e["row"] for e in job.errors} == set(range(12, 62))
    assert {e["column"] for e in job.errors} == {"設備容量(kW)"}
    page = client.get(response["Location"]).content.decode()
    assert page.count('class="import-error"') == 50
    assert "設備容量をkW単位の1以上の整数で入力してください。" in page
    confirm(client, job)
    assert not ResourceApplication.objects.exists()
    assert ImportJob.objects.get().status == ImportJob.Status.INVALID


def test_every_error_of_a_row_is_reported_by_column(client_for, user_a):
    client = client_for(user_a)
    parent = grid_code()
    rows = [
        resource_row("12345", area="沖縄", category="?", gen="水素", kw="abc", **{"運転開始日": "2005-13-01",
                                                                            "出力調整": "たぶん"}),
        resource_row(parent, category="変動電源(アグリゲート)", gen="太陽光", kw="1700"),
        unit_row(parent, 1200), unit_row(parent, 500),
        unit_row(grid_code(), 500),
        resource_row(parent),
    ]
    upload(client, csv_bytes(rows))
    errors = {(e["row"], e["column"]) for e in ImportJob.objects.get().errors}
    assert {(2, "系統コード"), (2, "エリア"), (2, "区分"), (2, "発電方式"), (2, "設備容量(kW)"), (2, "運転開始日"),
            (2, "出力調整")} <= errors
    assert (4, "設備容量(kW)") in errors  # a member of 1,000 kW or more
    assert (6, "親系統コード") in errors  # a unit of a resource not in the file
    assert (7, "系統コード") in errors  # the same grid code twice


def test_out_of_range_hours_and_dates_get_the_same_messages_as_the_form(client_for, user_a):
    from .test_resource_pages import DATE_MESSAGE, HOURS_MESSAGE

    rows = [
        resource_row(**{"継続運転時間(h)": "-1"}),
        resource_row(gen="蓄電池", **{"継続運転時間(h)": "24.5"}),
        resource_row(**{"運転開始日": "0001-01-01"}),
        resource_row(**{"運転開始日": "9999/12/31"}),
        resource_row(**{"継続運転時間(h)": "1e400"}),
        resource_row(**{"継続運転時間(h)": "3.25"}),
        resource_row(**{"継続運転時間(h)": "24", "運転開始日": "1900-01-01"}),
        resource_row(gen="蓄電池", **{"継続運転時間(h)": "0", "運転開始日": "2100-12-31"}),
    ]
    upload(client_for(user_a), csv_bytes(rows))
    errors = {(e["row"], e["column"], e["message"]) for e in ImportJob.objects.get().errors}
    format_message = "時間は小数第1位までの数値で入力してください(例: 3、4.5)。"
    assert {e for e in errors if e[0] != 9} == {
        (2, "継続運転時間(h)", HOURS_MESSAGE),
        (3, "継続運転時間(h)", HOURS_MESSAGE),  # the range, not also the 3-hour rule of a battery
        (4, "運転開始日", DATE_MESSAGE),
        (5, "運転開始日", DATE_MESSAGE),
        (6, "継続運転時間(h)", format_message),
        (7, "継続運転時間(h)", format_message),
    }
    assert [column for row, column, _m in errors if row == 9] == ["継続運転時間(h)"]  # 0 h: the 3-hour rule only
    assert not ResourceApplication.objects.exists()


def test_a_grid_code_already_registered_elsewhere_is_an_error(client_for, user_b, operator_a, user_a, reviewer):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    upload(client_for(user_b), csv_bytes([resource_row(resource.grid_code)]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID and job.errors[0]["column"] == "系統コード"


def test_re_importing_the_export_with_one_change_makes_one_change_application(client_for, user_a, operator_a,
                                                                             reviewer):
    first = ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer, name="=HYPERLINK(\"x\")")
    ResourceFactory(operator=operator_a, submitted_by=user_a, reviewer=reviewer)
    client = client_for(user_a)
    exported = client.get(reverse("registration:resource_export"))
    raw = b"".join(exported.streaming_content) if exported.streaming else exported.content
    assert raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(HEADERS)
    assert "'=HYPERLINK" in text  # formula-leading cells are escaped
    upload(client, raw)
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportJob.Status.VALID, job.errors
    confirm(client, job)
    assert ImportJob.objects.get(pk=job.pk).imported_count == 0  # nothing differs
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][2] = "新しい名前" if rows[1][0] == first.grid_code else rows[1][2]
    rows[2][2] = "新しい名前" if rows[2][0] == first.grid_code else rows[2][2]
    upload(client, csv_bytes(rows[1:]))
    job = ImportJob.objects.latest("pk")
    confirm(client, job)
    change = ResourceApplication.objects.get(kind=ApplicationKind.CHANGE)
    assert change.resource == first and change.name == "新しい名前"


def test_the_template_has_the_japanese_headers_and_a_bom(client_for, user_a):
    response = client_for(user_a).get(reverse("registration:resource_import_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").strip() == ",".join(HEADERS)
    assert response.content.startswith(codecs.BOM_UTF8)


@pytest.mark.parametrize("data,message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"", None),
    ("名前,住所\r\nA,B\r\n".encode(), "header"),
    (csv_bytes([]), "no data rows"),
    (b"\xff\xfe\xfd\xfc,\xfb\r\n", "UTF-8"),
    (b"\r\n\r\n", "empty"),
])
def test_a_malformed_file_gets_a_message_and_no_job(client_for, user_a, data, message):
    client = client_for(user_a)
    with __import__("django").utils.translation.override("en"):
        response = client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile("x.csv", data)},
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert b"message-error" in response.content or b"errorlist" in response.content


def test_a_file_over_the_size_limit_is_refused(client_for, user_a, settings):
    settings.BULK_IMPORT_MAX_BYTES = 1024
    rows = [resource_row() for _ in range(30)]
    response = upload(client_for(user_a), csv_bytes(rows))
    assert response.status_code == 200 and "MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_post_without_a_file_or_with_garbage_fields_is_refused_without_error(client_for, user_a):
    client = client_for(user_a)
    assert client.post(reverse(IMPORT_URL), {}).status_code == 200
    assert client.post(reverse(IMPORT_URL), {"file": "x" * 10000}).status_code == 200
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona,status", [("user_a", 200), ("admin_a", 200), ("user_b", 404), ("reviewer", 404)])
def test_an_import_job_is_visible_only_to_its_operator(request, client_for, user_a, persona, status):
    upload(client_for(user_a), csv_bytes([resource_row()]))
    job = ImportJob.objects.get()
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("registration:resource_import_job", args=[job.pk])).status_code == status
    assert client.get(reverse("registration:resource_import_status", args=[job.pk])).status_code == status
    if persona == "user_b":
        confirm(client, job)
        assert not ResourceApplication.objects.exists()


# Only a hang guard, not a time goal (that is the performance issue's, with a benchmark): 5,000 reviewed and audited
# applications, each with its notice task, took 169 s and then over the suite's 300 s on a loaded 2-core machine.
@pytest.mark.timeout(1800)
def test_a_5000_row_file_validates_and_imports_in_the_background_with_progress(
        client_for, user_a, django_capture_on_commit_callbacks):
    client = client_for(user_a)
    rows = [resource_row(name=f"電源{n}") for n in range(5000)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, csv_bytes(rows, encoding="cp932"))
    assert callbacks, "a file over the threshold is handed to the Celery task"
    job = ImportJob.objects.get()
    assert job.total_rows == 5000 and job.processed_rows == 5000
    assert job.status == ImportJob.Status.VALID, job.errors[:3]
    page = client.get(response["Location"]).content.decode()
    assert "<progress" not in page  # finished
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirm(client, job)
    assert callbacks
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.processed_rows, job.total_rows, job.imported_count) == (5000, 5000, 5000)
    assert ResourceApplication.objects.filter(import_job=job).count() == 5000
    status = client.get(reverse("registration:resource_import_status", args=[job.pk])).json()
    assert status["processed_rows"] == status["total_rows"] == 5000 and not status["running"]


def test_a_running_job_shows_a_progress_bar_and_a_status_url(client_for, user_a, settings):
    settings.BULK_IMPORT_BACKGROUND_ROWS = 1
    client = client_for(user_a)
    upload(client, csv_bytes([resource_row(), resource_row()]))  # on_commit not run: the job stays queued
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATING
    page = client.get(reverse("registration:resource_import_job", args=[job.pk])).content.decode()
    assert "<progress" in page and reverse("registration:resource_import_status", args=[job.pk]) in page
    assert client.get(reverse("registration:resource_import_status", args=[job.pk])).json()["running"] is True


def test_no_receipt_mail_per_imported_application(client_for, user_a, mailoutbox):
    client = client_for(user_a)
    upload(client, csv_bytes([resource_row() for _ in range(5)]))
    confirm(client, ImportJob.objects.get())
    assert ResourceApplication.objects.count() == 5
    assert len(mailoutbox) == 0


def test_deletion_through_the_services_is_not_possible_by_csv(user_a):
    assert not hasattr(services, "import_resource_deletions")
