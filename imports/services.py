"""Import jobs: upload, preview, apply, cancel.

The admin views and the background tasks call these functions and nothing else writes an
``ImportJob``. The state moves under a row lock (``select_for_update``) and is re-checked
before every step, so a double click or a late task never previews or applies twice.

Small files are previewed and applied in the request; files over
``IMPORTS_BACKGROUND_ROWS`` rows (default 2,000) go to a django-tasks task that receives the
job's primary key and re-reads the row. A step records its phase on the job (``phase``: waiting
for its process, reading the file, checking the rows, writing them) and, while checking, the
number of rows checked (``processed_rows``), each committed at once, so that the job page
can show how far it is (its status JSON, polled by ``imports/static/imports/job-progress.js``).
The writing itself is one transaction: it shows as a phase, its rows count once committed.
Both steps run with Python's cyclic garbage collector paused (``collector``).

Validate once: the preview keeps what it checked (the kind's plan, ``plans``); applying loads
it and, in the write's transaction under the job's row lock, re-checks only what other writers
may have changed since the preview (the kind's ``recheck``: numbers and addresses taken,
members changed, sessions moved...), refusing a stale preview row by row; then writes
everything in one transaction, or nothing. A kind that keeps no plan (or a job previewed
without one) is validated again from the file. A kind's ``write`` may
raise ``ImportJobError`` to give up with a message of its own (nothing is written). The
choices made on the confirm step (the kind's ``confirm_options``) are stored on the job when
it is confirmed and reach ``write`` as ``report.options``.

A job is leased to the process working on it: starting a step and every progress update renew
``heartbeat_at``. A process killed mid-preview or mid-apply (a worker, or the web process
running a small import) leaves the job running with a heartbeat that stops; once it is older
than the lease, ``release_if_stalled`` puts the job back where staff can act (``uploaded``:
preview again or cancel; ``previewed``: confirm again or cancel). Nothing was written: the
apply is one transaction, and its row lock on the job tells a live writer from a dead one.
"""

import hashlib
import logging
import os
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.outbox import enqueue_with_transaction

from . import collector, plans, rows
from .leases import (  # noqa: F401 (the views and the recovery command call them here)
    INTERRUPTED_MESSAGE,
    is_stalled,
    lease_seconds,
    release_if_stalled,
    release_stalled_jobs,
)
from .leases import release_stalled as _release_stalled
from .models import ImportJob
from .readers import EXAMPLE_MARK, FileFormatError, estimate_rows
from .registry import registry

logger = logging.getLogger(__name__)

State = ImportJob.State
Phase = ImportJob.Phase

UNEXPECTED_MESSAGE = (
    "処理中に予期しないエラーが発生しました。何も取り込んでいません。システム管理者に連絡してください。"
)
CONFLICT_MESSAGE = (
    "確認の後に他の処理で登録されたデータと重複したため、取り込めませんでした。何も変更していません。"
    "もう一度アップロードしてやり直してください。"
)
BUSY_MESSAGE = "この取込はいま処理中です。しばらくしてから画面を更新してください。"
STALE_MESSAGE = (
    "確認の後にデータベースの内容が変わり、取り込めない行が見つかりました。何も変更していません。"
    "エラーを確認し、ファイルを直してもう一度アップロードしてください。"
)


class ImportJobError(Exception):
    """An import step that cannot be done now; the message is shown to staff."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def background_threshold():
    return getattr(settings, "IMPORTS_BACKGROUND_ROWS", 2000)


def max_upload_bytes():
    return getattr(settings, "IMPORTS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)


# --- upload ------------------------------------------------------------------------------------
def create_job(*, user, kind, uploaded_file):
    """Store the uploaded file and record the job (state ``uploaded``)."""
    if registry.get(kind) is None:
        raise ImportJobError("取込の種類を選んでください。")
    data = b"".join(uploaded_file.chunks()) if hasattr(uploaded_file, "chunks") else uploaded_file.read()
    if not data:
        raise ImportJobError("ファイルが空です。")
    if len(data) > max_upload_bytes():
        raise ImportJobError(f"ファイルが大きすぎます({max_upload_bytes() // (1024 * 1024)}MB まで)。")
    name = os.path.basename(getattr(uploaded_file, "name", "") or "upload.csv")[:255]
    job = ImportJob(
        kind=kind,
        file_name=name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
        created_by=user,
        total_rows=estimate_rows(data, name),
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def upload(*, user, kind, uploaded_file):
    """Create the job and start its preview: what the upload page does."""
    job = create_job(user=user, kind=kind, uploaded_file=uploaded_file)
    return start_preview(job=job)


def runs_in_background(job):
    return job.total_rows > background_threshold()


# --- preview -----------------------------------------------------------------------------------
def start_preview(*, job):
    with transaction.atomic():
        locked = _release_stalled(ImportJob.objects.select_for_update().get(pk=job.pk))
        if locked.state != State.UPLOADED:
            raise ImportJobError("この取込はすでに確認済みです。")
        locked.state = State.PREVIEWING
        locked.phase = Phase.WAITING
        locked.processed_rows = 0
        locked.message = ""
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["state", "phase", "processed_rows", "message", "heartbeat_at"])
        if runs_in_background(locked):
            from .tasks import preview_import

            enqueue_with_transaction(preview_import, job_id=locked.pk)
    if not runs_in_background(locked):
        preview_job(job_id=locked.pk)
    locked.refresh_from_db()
    return locked


@collector.paused()
def preview_job(*, job_id):
    """Validate the whole file and store the preview (the task's body)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state != State.PREVIEWING:
        return
    try:
        kind, table, report = _load(job)
        if report.has_errors:
            _finish(job_id, State.PREVIEWING, State.FAILED, report, message=report.header_error)
            return
        plan = kind.validate(table, report, progress=partial(_progress, job_id))
        kept = kind.dump_plan(plan) if kind.keeps_plan and not report.has_errors else None
        _finish(job_id, State.PREVIEWING, State.PREVIEWED, report, plan=kept)
    except Exception:
        logger.exception("import job %s: preview failed", job_id)
        _finish(job_id, State.PREVIEWING, State.FAILED, message=UNEXPECTED_MESSAGE)


# --- apply -------------------------------------------------------------------------------------
def start_apply(*, job, user, options=None):
    """Confirm a previewed job (state ``applying``) and import it, now or in the background.

    ``options`` are the choices made on the confirm step ({name: value} of the kind's
    ``confirm_options``); those not given take their default. They are stored on the job.
    """
    kind = registry.get(job.kind)
    options = kind.clean_options(options) if kind is not None else {}
    with transaction.atomic():
        locked = _release_stalled(ImportJob.objects.select_for_update().get(pk=job.pk))
        if locked.state == State.APPLIED:
            raise ImportJobError("この取込はすでに確定しています。")
        if locked.state != State.PREVIEWED:
            raise ImportJobError(f"この取込は確定できません(状態: {locked.get_state_display()})。")
        if locked.error_count or locked.header_error:
            raise ImportJobError("エラーがあるため取り込めません。ファイルを直して、もう一度アップロードしてください。")
        locked.state = State.APPLYING
        locked.phase = Phase.WAITING
        locked.decided_by = user
        locked.processed_rows = 0
        locked.options = options
        locked.message = ""
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=["state", "phase", "decided_by", "processed_rows", "options", "message", "heartbeat_at"]
        )
        if runs_in_background(locked):
            from .tasks import apply_import

            enqueue_with_transaction(apply_import, job_id=locked.pk)
    if not runs_in_background(locked):
        apply_job(job_id=locked.pk)
    locked.refresh_from_db()
    return locked


@collector.paused()
def apply_job(*, job_id):
    """Write every row in one transaction, or nothing (the task's body): from the preview's kept
    plan, re-checking what may have changed since (``plans``), or else checking the file again."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state != State.APPLYING:
        return
    try:
        kind = registry.get(job.kind)
        if kind is not None and kind.keeps_plan and plans.exists(job_id):
            _apply_kept_plan(job, kind)
        else:
            _apply_checking_again(job)
    except ImportJobError as error:  # a kind's write refused (e.g. rows locked by someone else)
        logger.warning("import job %s: %s", job_id, error.message)
        _finish(job_id, State.APPLYING, State.FAILED, message=error.message)
    except IntegrityError:
        logger.warning("import job %s: conflict while writing", job_id, exc_info=True)
        _finish(job_id, State.APPLYING, State.FAILED, message=CONFLICT_MESSAGE)
    except Exception:
        logger.exception("import job %s: apply failed", job_id)
        _finish(job_id, State.APPLYING, State.FAILED, message=UNEXPECTED_MESSAGE)


def _apply_kept_plan(job, kind):
    """Validate once: load what the preview checked; under the job's row lock, re-check only what
    other writers may have changed since (a stale preview is refused, row by row), then write."""
    job_id = job.pk
    report = kind.new_report().restore(job.result)
    _progress(job_id, 0, phase=Phase.KEPT)
    plan = kind.load_plan(plans.load(job_id, progress=partial(_progress, job_id)), report)
    _progress(job_id, report.total_rows, phase=Phase.WRITING)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job_id)
        if locked.state != State.APPLYING:
            return
        report.job_id, report.user_id, report.options = locked.pk, locked.decided_by_id, dict(locked.options)
        kind.recheck(plan, report)
        if not report.has_errors:
            kind.write(plan, report)
        if report.rows:  # rows the re-check or the write moved to another class
            report.merge_kept(rows.load_all(job_id))
        if report.has_errors:
            _finish(job_id, State.APPLYING, State.FAILED, report, message=STALE_MESSAGE)
        else:
            _finish(job_id, State.APPLYING, State.APPLIED, report)


def _apply_checking_again(job):
    """For a kind that keeps no plan: read and check the whole file again, then write."""
    job_id = job.pk
    kind, table, report = _load(job)
    if report.has_errors:
        _finish(job_id, State.APPLYING, State.FAILED, report, message=report.header_error or STALE_MESSAGE)
        return
    plan = kind.validate(table, report, progress=partial(_progress, job_id))
    if report.has_errors:
        _finish(job_id, State.APPLYING, State.FAILED, report, message=STALE_MESSAGE)
        return
    _progress(job_id, report.total_rows, phase=Phase.WRITING)
    # From here the row lock tells a live writer from a dead one (release_if_stalled skips it).
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job_id)
        if locked.state != State.APPLYING:
            return
        report.job_id, report.user_id, report.options = locked.pk, locked.decided_by_id, dict(locked.options)
        kind.write(plan, report)
        _finish(job_id, State.APPLYING, State.APPLIED, report)


# --- cancel ------------------------------------------------------------------------------------
def cancel_job(*, job, user):
    with transaction.atomic():
        locked = _release_stalled(ImportJob.objects.select_for_update().get(pk=job.pk))
        if locked.state not in ImportJob.CANCELLABLE_STATES:
            raise ImportJobError(f"この取込は取り消せません(状態: {locked.get_state_display()})。")
        locked.state = State.CANCELLED
        locked.decided_by = user
        locked.finished_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "finished_at"])
        plans.discard(locked.pk)
    return locked


# --- queries -----------------------------------------------------------------------------------
def previous_application(job):
    """The last applied job of the same kind with the same file contents, if any."""
    return (
        ImportJob.objects.filter(kind=job.kind, file_sha256=job.file_sha256, state=State.APPLIED)
        .exclude(pk=job.pk)
        .select_related("decided_by")
        .order_by("-finished_at", "-pk")
        .first()
    )


# --- helpers -----------------------------------------------------------------------------------
def _load(job):
    """The kind, the parsed file and a fresh report; file and header problems go in the report."""
    kind = registry.get(job.kind)
    if kind is None:
        raise ImportJobError(f"取込の種類 {job.kind} は登録されていません。")
    report = kind.new_report()
    _progress(job.pk, 0, phase=Phase.READING)
    with job.file.open("rb") as handle:
        data = handle.read()
    try:
        table = kind.read_file(data, job.file_name)
    except FileFormatError as error:
        report.fail_headers(str(error))
        return kind, None, report
    report.total_rows = len(table)
    if table.example_rows:
        report.file_notes.append(example_rows_note(table.example_rows))
    _progress(job.pk, 0, phase=Phase.CHECKING, total_rows=len(table))
    header_error = kind.read_headers(table, report)
    if header_error:
        report.fail_headers(header_error)
    return kind, table, report


def example_rows_note(numbers):
    """「2行目は記入例のため取り込みません。」 for the template's example rows the reader left out."""
    shown = "、".join(f"{number}行目" for number in numbers[:5]) + ("ほか" if len(numbers) > 5 else "")
    return f"{shown}は記入例(「{EXAMPLE_MARK}」で始まる行)のため取り込みません。"


def _progress(job_id, count, **changes):
    """Record how far the step is (rows checked; a new ``phase``, ``total_rows``), renewing its
    lease, only while the job is still running. Outside a transaction it is committed at once."""
    ImportJob.objects.filter(pk=job_id, state__in=ImportJob.RUNNING_STATES).update(
        processed_rows=count, heartbeat_at=timezone.now(), **changes
    )


def _finish(job_id, from_state, to_state, report=None, message="", plan=None):
    """Move the job on, only if it is still where this step left it (a cancel may have won);
    with a report, store its result and every row's class (``rows``), unless the report is the
    preview's kept as it was (``kept_rows``); with a ``plan``, keep it for the import (``plans``)."""
    changes = {"state": to_state, "phase": Phase.WAITING, "message": message}
    grouped = None
    if report is not None:
        if not report.kept_rows:
            grouped = report.rows_by_outcome()
            changes["result"] = {**report.as_json(grouped), "rows_stored": True}
        changes.update(
            processed_rows=report.total_rows,
            total_rows=report.total_rows,
            **{f"{name}_count": count for name, count in report.job_counts().items()},
        )
    if to_state in ImportJob.FINISHED_STATES:
        changes["finished_at"] = timezone.now()
    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job_id, state=from_state).update(**changes)
        if moved and grouped is not None:
            rows.store(job_id=job_id, grouped=grouped)
        if moved and plan is not None:
            plans.store(job_id=job_id, entries=plan)
        if moved and to_state in ImportJob.FINISHED_STATES:
            plans.discard(job_id)  # personal data no step reads again
    return moved
