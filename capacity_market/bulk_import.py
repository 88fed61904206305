"""A generic bulk-registration engine for CSV files (一括登録), reusable by any app.

An app describes its file with an `ImportSpec` subclass (the header row, a validator and an importer for the
parsed rows, and the thin Celery task that runs a job by ID) and registers it with `register(spec)`, usually in
its AppConfig.ready(). The engine does the rest, the same way for every kind of file:

1. `start(spec=…, uploaded=…, user=…, operator_id=…)`: size limit, not binary, encoding (UTF-8 with or without
   BOM, else Shift_JIS/CP932 as Excel saves it), the header row, the row count. A refused file raises
   `ImportRejected` with a message; nothing is stored. Else an `ImportJob` keeps the decoded text and the rows
   are validated: inline for small files, by the spec's Celery task for files over
   `BULK_IMPORT_BACKGROUND_ROWS` rows (the page polls `status()` and shows a progress bar).
2. Validation collects EVERY error, by row and column (`RowError`), and saves nothing: the job ends `valid` or
   `invalid`, and the preview lists every error.
3. `confirm(job=…, user=…)`: a valid job is imported all-or-nothing in one transaction (inline or in the
   background); a refusal leaves nothing behind and the job `failed` with its message.
4. `recover_stalled()` (Celery beat, every 5 minutes): a job left `importing` or `validating` by a worker that
   died or a task the broker lost goes back to `valid` (confirm again) or ends `failed` (upload again). `run()`
   claims a job by its status under a row lock, so a task delivered twice imports a file once.

A job's status changes only through `ImportJob.states` (`capacity_market.state_machine`: the allowed moves are
declared on the model, each move is audited as "capacity_market.importjob.<status>"); progress is not a move.

The CSV helpers `csv_response()` and `safe_cell()` write files Excel opens (UTF-8 with BOM) with formula-leading
cells escaped (CSV injection).
"""

import abc
import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .errors import DomainError
from .models import AuditEntry, ImportJob
from .scoping import get_for_user_or_404, scope_to_user

Status = ImportJob.Status


def max_bytes() -> int:
    return settings.BULK_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.BULK_IMPORT_MAX_ROWS


def background_rows() -> int:
    """Files with more data rows than this are validated and imported by a Celery task."""
    return settings.BULK_IMPORT_BACKGROUND_ROWS


def stalled_minutes() -> int:
    """A job validating or importing (and not locked by a running import) untouched this long is stalled."""
    return settings.BULK_IMPORT_STALLED_MINUTES


PROGRESS_EVERY = 100  # rows between progress updates
# How long an import's progress stays in the cache: longer than any import runs (`run` deletes it at the end).
PROGRESS_CACHE_SECONDS = 3600
# A wrong header row is quoted back in the refusal, cut to this many characters (a file of one long line).
HEADER_QUOTED_CHARS = 500
# The upload page lists the operator's latest uploads, the job page the first things an import made: enough to
# recognise a file or check the import; the apps' own list pages show everything.
RECENT_JOBS_SHOWN = 10
IMPORTED_SHOWN = 50

# What the job page says of a job `recover_stalled` sent back from `importing` to `valid`.
IMPORT_INTERRUPTED = gettext_lazy("The import was interrupted (the background process stopped) and nothing was saved. "
                           "The file has no errors: import it again.")


class ImportRejected(DomainError):
    """The uploaded file cannot be read at all (size, binary, encoding, header, empty)."""


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the file (the header is line 1)
    column: str  # the header of the column, or "" for the row as a whole
    message: str


@dataclass
class Row:
    line: int
    values: dict[str, str]


Progress = Callable[[int], None]


class ImportSpec(abc.ABC):
    """What one kind of CSV file is. Subclass, set the attributes and implement `validate` and `apply`."""

    kind: str = ""  # a stable key, e.g. "registration.resources"
    headers: Sequence[str] = ()  # the exact header row
    task = None  # a Celery task taking the job id and calling `bulk_import.run(job_id)`
    detail_url_name: str = ""  # the URL name of the job's page (kwargs: pk)

    @abc.abstractmethod
    def validate(self, rows: list[Row], *, job: ImportJob, progress: Progress) -> list[RowError]:
        """Every error of every row; saves nothing. Call `progress(n)` with the rows done so far."""

    @abc.abstractmethod
    def apply(self, rows: list[Row], *, job: ImportJob, actor, progress: Progress) -> int:
        """Import every row (called inside a transaction after a clean validation). Returns the count imported.
        Raise DomainError to refuse: everything is rolled back."""


_registry: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    _registry[spec.kind] = spec
    return spec


def spec_for(kind: str) -> ImportSpec:
    return _registry[kind]


# --- reading a file -------------------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding found: UTF-8 (BOM or not) first, then CP932 (Shift_JIS as Excel
    writes it, a superset of Shift_JIS). Raises ImportRejected for binary data or any other encoding."""
    if b"\x00" in data:
        raise ImportRejected(_("This is not a CSV text file (it contains binary data). Save it from Excel as "
                               "\"CSV UTF-8\" or \"CSV\" and try again."))
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("cp932"), "cp932"
            except UnicodeDecodeError:
                pass
    raise ImportRejected(_("The file could not be read as UTF-8 or Shift_JIS text. Save it from Excel as "
                           "\"CSV UTF-8\" or \"CSV\" and try again."))


# Full-width digits, comma, minus and space as Japanese input methods type them, folded to ASCII. Only these: NFKC
# would also turn "1²" into "12".
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，－　", "0123456789,- ")


def normalise_number(raw: str) -> str:
    """A number as people type it, made plain: full-width digits and commas folded, thousands separators and
    spaces removed ("１，０００" and "1 000" are "1000"; "1²" stays "1²" and is refused by `whole_number`)."""
    return (raw or "").translate(_FULL_WIDTH).replace(",", "").replace(" ", "").strip()


def whole_number(raw: str, *, maximum: int) -> int | None:
    """The whole number 0..maximum in `raw` (see `normalise_number`), or None when it is anything else: only the
    ASCII digits 0-9 count, so "1²" or "٣" are refused, never a ValueError."""
    text = normalise_number(raw)
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def unescape_cell(value: str) -> str:
    """Undo `safe_cell` (a quote before a formula-leading character) and trim spaces."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        value = value[1:]
    return value


def parse(text: str, headers: Sequence[str]) -> list[Row]:
    """The data rows of `text` keyed by header. The first row must be `headers` exactly (spaces trimmed);
    blank lines are skipped. Raises ImportRejected for an empty file, a wrong header or too many rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ImportRejected(_("The file is empty."))
        found = [cell.strip().lstrip("\ufeff") for cell in header]
        while found and found[-1] == "":
            found.pop()
        if found != list(headers):
            raise ImportRejected(
                _("The header row does not match the template. Expected: %(expected)s. Found: %(found)s.")
                % {"expected": ", ".join(headers), "found": ", ".join(found)[:HEADER_QUOTED_CHARS]}
            )
        rows: list[Row] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows():
                raise ImportRejected(_("The file has more than %(max)s rows; split it into smaller files.")
                                     % {"max": f"{max_rows():,}"})
            values = {h: unescape_cell(cells[i]) if i < len(cells) else "" for i, h in enumerate(headers)}
            extra = [c for c in cells[len(headers):] if c.strip()]
            if extra:
                values["__extra__"] = "1"
            rows.append(Row(line=reader.line_num, values=values))
    except csv.Error as exc:
        raise ImportRejected(_("The file is not valid CSV (line %(line)s): %(error)s")
                             % {"line": reader.line_num, "error": exc}) from exc
    if not rows:
        raise ImportRejected(_("The file has a header row but no data rows."))
    return rows


# --- jobs -----------------------------------------------------------------------------------------------------
_FILE_NAME_LENGTH = ImportJob._meta.get_field("file_name").max_length  # longer uploaded names are cut


def start(*, spec: ImportSpec, uploaded, user, operator_id: int) -> ImportJob:
    """Check and store an uploaded file as a job, then validate it (inline or in the background)."""
    if uploaded is None:
        raise ImportRejected(_("Choose a CSV file."))
    if uploaded.size > max_bytes():
        raise ImportRejected(_("The file is larger than %(max)s MB; split it into smaller files.")
                             % {"max": max_bytes() // (1024 * 1024)})
    data = uploaded.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise ImportRejected(_("The file is larger than %(max)s MB; split it into smaller files.")
                             % {"max": max_bytes() // (1024 * 1024)})
    if not data.strip():
        raise ImportRejected(_("The file is empty."))
    text, encoding = decode(data)
    rows = parse(text, spec.headers)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=spec.kind, operator_id=operator_id, created_by=user,
            file_name=(uploaded.name or "")[:_FILE_NAME_LENGTH],
            encoding=encoding, content=text, total_rows=len(rows),
        )  # in its initial status, validating
        audit.record(action="bulk_import.uploaded", actor=user, operator_id=operator_id, target=job,
                     after={"kind": spec.kind, "file_name": job.file_name, "rows": len(rows), "encoding": encoding})
        if len(rows) > background_rows():
            transaction.on_commit(lambda: spec.task.delay(job.pk), robust=True)
    if len(rows) <= background_rows():
        run(job.pk)
        job.refresh_from_db()
    return job


def confirm(*, job: ImportJob, user) -> ImportJob:
    """Import a validated job all-or-nothing (inline for small files, else in the background)."""
    spec = spec_for(job.kind)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.operator_id != getattr(user, "operator_id", None):
            raise DomainError(_("Only a user of the uploading operator may import this file."))
        if not ImportJob.states.can_transition(locked.status, Status.IMPORTING):
            raise DomainError(_("Only a file without errors that has not been imported yet can be imported."))
        # The import runs as its uploader (the submitter of every row): a deleted uploader cannot submit any more,
        # so a colleague uploads the file again under their own name (issue #10, finding 12).
        if not get_user_model().objects.filter(pk=locked.created_by_id, is_active=True).exists():
            raise DomainError(_("The user who uploaded this file has been deleted: upload it again yourself to "
                                "import it under your name."))
        # Who confirmed: the job runs as the uploader, so the confirmer is recorded as the actor of this move.
        ImportJob.states.transition(locked, to=Status.IMPORTING, actor=user, processed_rows=0)
        if locked.total_rows > background_rows():
            transaction.on_commit(lambda: spec.task.delay(locked.pk), robust=True)
    if locked.total_rows <= background_rows():
        run(locked.pk)
    locked.refresh_from_db()
    return locked


def _progress_key(job_id: int) -> str:
    return f"bulk_import:{job_id}:processed"


def _progress_writer(job: ImportJob, *, in_transaction: bool) -> Progress:
    """A callback recording progress every PROGRESS_EVERY rows: in the row itself while validating; in the
    shared cache while importing (the import's own transaction is not visible to the page until it commits)."""
    last = {"n": 0}

    def progress(done: int) -> None:
        if done - last["n"] < PROGRESS_EVERY and done < job.total_rows:
            return
        last["n"] = done
        if in_transaction:
            cache.set(_progress_key(job.pk), done, timeout=PROGRESS_CACHE_SECONDS)
        else:  # also a heartbeat: a validation that progresses is not stalled (`recover_stalled`)
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, updated_at=timezone.now())

    return progress


def run(job_id: int) -> None:
    """Validate (status validating) or import (status importing) one job. What the spec's task calls.

    Safe to call more than once for a job (a task delivered again, a task that arrives after `recover_stalled`):
    a job is only validated while still validating, and only imported by the call that claims it under a row lock
    while still importing; a duplicate waits for the running import, then finds the job done and does nothing."""
    status_now = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if status_now == Status.VALIDATING:
        _validate(job_id)
    elif status_now == Status.IMPORTING:
        _import(job_id)


def _validate(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    spec = spec_for(job.kind)
    rows = parse(job.content, spec.headers)
    errors = spec.validate(rows, job=job, progress=_progress_writer(job, in_transaction=False))
    # Only a job still validating takes the result: one `recover_stalled` failed meanwhile stays failed (and one
    # confirmed meanwhile, after a duplicate task checked it, is not sent back to valid).
    ImportJob.states.claim(
        job, expect=Status.VALIDATING, to=Status.INVALID if errors else Status.VALID,
        actor=job.created_by, details={"errors": len(errors)},
        errors=[asdict(e) for e in sorted(errors, key=lambda e: (e.row, e.column))],
        processed_rows=job.total_rows,
    )


def _import(job_id: int) -> None:
    try:
        with transaction.atomic():
            # The claim: the row stays locked until the import commits or rolls back; `recover_stalled` skips a
            # locked row, and a second delivery waits here and then finds the job no longer importing.
            job = ImportJob.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
            if job.status != Status.IMPORTING:
                return
            try:
                with transaction.atomic():
                    spec = spec_for(job.kind)
                    rows = parse(job.content, spec.headers)
                    errors = spec.validate(rows, job=job, progress=lambda n: None)
                    if errors:
                        raise DomainError(_("The data changed since the file was checked; check it again."))
                    count = spec.apply(rows, job=job, actor=job.created_by,
                                       progress=_progress_writer(job, in_transaction=True))
                    ImportJob.states.transition(
                        job, to=Status.DONE, actor=job.created_by, details={"kind": job.kind, "imported": count},
                        imported_count=count, processed_rows=job.total_rows, finished_at=timezone.now(),
                    )
            except DomainError as exc:  # everything the import wrote is rolled back; the claim is still held
                message = str(exc.message)
                ImportJob.states.transition(
                    job, to=Status.FAILED, actor=job.created_by, details={"message": message},
                    imported_count=0, errors=[asdict(RowError(0, "", message))], finished_at=timezone.now(),
                )
    finally:
        cache.delete(_progress_key(job_id))


def recover_stalled(*, now: dt.datetime | None = None) -> int:
    """Release the jobs a dead worker or a lost task left running; returns how many. Run by Celery beat.

    A job importing whose row is not locked (a running import holds the lock, see `_import`) and untouched for
    `BULK_IMPORT_STALLED_MINUTES` goes back to valid: the import is one transaction, so nothing was saved and the
    user simply confirms again (the page says so). A job still validating after that long ends failed (upload
    again). Each recovery is an audited move (importing → valid, validating → failed) by "celery"."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=stalled_minutes())
    recovered = 0
    with transaction.atomic():
        stalled = (ImportJob.objects.select_for_update(skip_locked=True).defer("content")
                   .filter(status__in=[Status.IMPORTING, Status.VALIDATING], updated_at__lt=cutoff).order_by("pk"))
        for job in stalled:
            details = {"last_activity": job.updated_at}
            if job.status == Status.IMPORTING:
                details["message"] = str(IMPORT_INTERRUPTED)
                ImportJob.states.transition(job, to=Status.VALID, actor_label="celery", details=details,
                                            processed_rows=job.total_rows)
                cache.delete(_progress_key(job.pk))
            else:
                details["message"] = _("The check of the file was interrupted (the background process stopped) and "
                                       "nothing was saved. Upload the file again.")
                ImportJob.states.transition(job, to=Status.FAILED, actor_label="celery", details=details,
                                            errors=[asdict(RowError(0, "", details["message"]))],
                                            finished_at=timezone.now())
            recovered += 1
    return recovered


def interrupted_at(job: ImportJob) -> dt.datetime | None:
    """When `recover_stalled` last sent this valid job back from importing (None if never, or not valid)."""
    if job.status != Status.VALID:
        return None
    # importing → valid is only ever `recover_stalled`'s move.
    return (AuditEntry.objects.filter(action=f"{job._meta.label_lower}.{Status.VALID}",
                                      before__status=Status.IMPORTING, target_type=job._meta.label_lower,
                                      target_id=str(job.pk))
            .order_by("-id").values_list("created_at", flat=True).first())


def error_rows(job: ImportJob) -> int:
    """How many rows of the file have errors: a row with two bad cells counts once (an error of the whole file,
    row 0, counts as one)."""
    return len({error["row"] for error in job.errors or []})


def status(job: ImportJob) -> dict:
    """The job's state for the polling page (JSON-safe)."""
    processed = job.processed_rows
    if job.status == Status.IMPORTING:
        processed = cache.get(_progress_key(job.pk), processed)
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "total_rows": job.total_rows,
        "processed_rows": processed,
        "error_count": len(job.errors or []),
        "error_rows": error_rows(job),
        "imported_count": job.imported_count,
        "running": job.is_running,
    }


# --- writing CSV ----------------------------------------------------------------------------------------------
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell as text, a quote put before a formula-leading character so a spreadsheet never runs it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download in UTF-8 with BOM (Excel opens it as UTF-8), every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return response


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


def jobs_for_user(*, spec: "ImportSpec", user):
    """The user's operator's jobs of this kind, newest first (another operator's never)."""
    return (scope_to_user(ImportJob.objects.filter(kind=spec.kind), user=user, field="operator_id")
            .select_related("created_by").order_by("-created_at", "-pk"))


def job_get_for_user(*, spec: "ImportSpec", user, pk) -> ImportJob:
    """One job of this kind of the user's operator; 404 for anything else."""
    return get_for_user_or_404(ImportJob.objects.filter(kind=spec.kind), user=user, field="operator_id", pk=pk)


def upload_page(request, *, spec: "ImportSpec", operator_id: int, template: str,
                context: dict | None = None) -> HttpResponse:
    """The upload page of one kind of CSV import, shared by every app: GET shows the form, the format and the
    operator's recent uploads; a valid POST starts a job and goes to its page.

    `template` extends "bulk_import/upload.html"; jobs link to `spec.detail_url_name` (it takes `pk`)."""
    job_url_name = spec.detail_url_name
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = start(spec=spec, uploaded=form.cleaned_data["file"], user=request.user, operator_id=operator_id)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(job_url_name, pk=job.pk)
    return render(request, template, {
        "form": form, "jobs": jobs_for_user(spec=spec, user=request.user)[:RECENT_JOBS_SHOWN],
        "headers": spec.headers,
        "job_url_name": job_url_name,
        "max_mb": max_bytes() // (1024 * 1024), "background_rows": background_rows(), **(context or {}),
    })


def job_page(request, *, job: ImportJob, template: str, page_url: str, status_url: str, applications,
             done_message: str | None = None) -> HttpResponse:
    """The page of one import job, shared by every app: GET shows its state, errors and (once done) the first
    IMPORTED_SHOWN things it made (`applications`: a queryset of them, filtered to the job); POST confirms the
    import.

    `template` extends "bulk_import/job.html"; `status_url` is the job's JSON state for the progress poller;
    `done_message` (with %(count)s) is the message after a successful confirmation (default: applications)."""
    if request.method == "POST":
        try:
            job = confirm(job=job, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if job.status == ImportJob.Status.DONE:
                message = done_message or _("%(count)s application(s) were submitted from the file.")
                messages.success(request, message % {"count": job.imported_count})
        return redirect(page_url)
    return render(request, template, {
        "job": job, "state": status(job), "errors": job.errors or [], "status_url": status_url,
        "interrupted_at": interrupted_at(job), "interrupted_note": IMPORT_INTERRUPTED,
        "applications": (applications.order_by("pk")[:IMPORTED_SHOWN] if job.status == ImportJob.Status.DONE
                         else []),
    })
