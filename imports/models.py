"""The import log: one ``ImportJob`` per uploaded spreadsheet.

A job walks ``uploaded → previewing → previewed → applying → applied`` (or ends
``cancelled`` / ``failed``). While previewing or applying, the process doing the work renews
``heartbeat_at`` with every progress update: a running job whose heartbeat is older than the
lease (``IMPORTS_LEASE_SECONDS``) lost its process (killed worker or web process) and goes
back to ``uploaded`` / ``previewed``, where staff can run it again or cancel it. The row is the audit record of the import: who uploaded it
and who confirmed it, when, which file (name and SHA-256), which kind, the counts and the
outcome. ``result`` keeps the counts, every error and the first rows of each class; every row's
class with its preview cells (a few columns, not the whole file) is kept compactly beside it in
``ImportRowChunk`` (``imports/rows.py``), for paging through and downloading each class.

An applied job whose kind can be undone may end ``undone`` (``imports/undo.py``): its writes
reversed, who undid it and when recorded on the row next to who confirmed it.

The uploaded file itself is personal data: it lives in the private ``imports`` storage
(``imports/storage.py``, never under MEDIA_ROOT, no URL), and ``manage.py
purge_import_files`` deletes it once the job has been finished for the retention period,
keeping the row and its report, every row's class included (``file_deleted_at``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .storage import import_files_storage


def upload_path(job, filename):
    # The original name is kept in ``file_name``; on disk the hash makes it unique and safe.
    stamp = timezone.localtime()
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"imports/{stamp:%Y/%m}/{job.file_sha256[:16]}{suffix[:6]}"


class ImportJob(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", "アップロード済"
        PREVIEWING = "previewing", "確認中"
        PREVIEWED = "previewed", "確認待ち"
        APPLYING = "applying", "取込中"
        APPLIED = "applied", "取込済"
        CANCELLED = "cancelled", "取消"
        FAILED = "failed", "失敗"
        UNDONE = "undone", "取消済"  # applied, then undone (imports/undo.py)

    class Phase(models.TextChoices):
        """Where a running step is: waiting for its process, reading the file, checking the rows
        (``processed_rows`` of ``total_rows``), or, importing, loading the rows the preview
        checked (``imports/plans.py``), then writing them (one transaction)."""

        WAITING = "", "開始待ち"
        READING = "reading", "ファイルの読み込み"
        CHECKING = "checking", "内容の確認"
        WRITING = "writing", "書き込み"
        KEPT = "kept", "確認済みの行の読み込み"

    RUNNING_STATES = (State.PREVIEWING, State.APPLYING)
    FINISHED_STATES = (State.APPLIED, State.FAILED, State.CANCELLED, State.UNDONE)
    CANCELLABLE_STATES = (State.UPLOADED, State.PREVIEWING, State.PREVIEWED)

    kind = models.CharField("種類", max_length=50)
    file = models.FileField("ファイル", upload_to=upload_path, storage=import_files_storage, max_length=200)
    file_name = models.CharField("ファイル名", max_length=255)
    file_sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField("サイズ(バイト)", default=0)
    # Set when purge_import_files deleted the stored file (``file`` is then empty).
    file_deleted_at = models.DateTimeField("ファイル削除日時", null=True, blank=True)
    file_retention_days = models.PositiveIntegerField("ファイルの保存期間(日)", null=True, blank=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.UPLOADED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確定・取消した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    # Who undid an applied import, when, and what the undo changed (imports/undo.py).
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取込を取り消した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField("取込の取消日時", null=True, blank=True)
    undo_summary = models.TextField("取消の内容", blank=True)
    # Renewed by the process previewing or applying the job (services._progress); see the lease.
    heartbeat_at = models.DateTimeField("処理の最終応答", null=True, blank=True)

    # While previewing or applying: the phase of the step, and how many rows it has checked.
    phase = models.CharField("処理の段階", max_length=10, choices=Phase.choices, blank=True, default="")
    total_rows = models.PositiveIntegerField("行数", default=0)
    processed_rows = models.PositiveIntegerField("処理済み行数", default=0)
    new_count = models.PositiveIntegerField("新規", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("変更なし", default=0)
    error_count = models.PositiveIntegerField("エラー", default=0)

    # What staff chose on the confirm step: {option name: value} of the kind's ``confirm_options``.
    options = models.JSONField("取込の設定", default=dict, blank=True)
    message = models.TextField("メッセージ", blank=True)
    # ImportReport.as_json(): counts, the first rows of each class, every error (every row: ImportRowChunk).
    result = models.JSONField("結果", default=dict, blank=True)

    class Meta:
        verbose_name = "取込"
        verbose_name_plural = "取込"
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        permissions = [("run_import", "スプレッドシートを取り込む")]
        indexes = [models.Index(fields=["kind", "file_sha256", "state"])]

    def __str__(self):
        return f"取込 #{self.pk} {self.file_name}"

    @property
    def is_running(self):
        return self.state in self.RUNNING_STATES

    @property
    def can_cancel(self):
        return self.state in self.CANCELLABLE_STATES

    @property
    def can_apply(self):
        return self.state == self.State.PREVIEWED and self.error_count == 0 and not self.header_error

    @property
    def header_error(self):
        return (self.result or {}).get("header_error", "")

    @property
    def progress_percent(self):
        if not self.total_rows:
            return 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))

    @property
    def read_rows(self):
        """Rows read from the file: counted once it is read (until then ``total_rows`` is the
        upload's estimate)."""
        if self.is_running and self.phase in (self.Phase.WAITING, self.Phase.READING):
            return 0
        return self.total_rows

    @property
    def written_rows(self):
        """Rows whose data the import changed: known once its one transaction has committed."""
        return self.new_count + self.updated_count if self.state == self.State.APPLIED else 0

    @property
    def kind_label(self):
        from .registry import registry

        kind = registry.get(self.kind)
        return kind.label if kind else self.kind


class ColumnMapping(models.Model):
    """A heading of staff's own sheets read as a column of an import (CiviCRM's saved mapping):
    set once on a job's page (「列の対応付け」), used for every later file of that kind."""

    kind = models.CharField("種類", max_length=50)
    heading = models.CharField("ファイルの見出し", max_length=100)
    column = models.CharField("取込の列", max_length=100)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="設定した人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField("設定日時", default=timezone.now)

    class Meta:
        verbose_name = "列の対応付け"
        verbose_name_plural = "列の対応付け"
        ordering = ["kind", "column", "heading"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["kind", "heading"], name="column_mapping_one_per_heading")]

    def __str__(self):
        return f"{self.heading} → {self.column}"


class ImportRowChunk(models.Model):
    """Every row of a job's result, class by class, in compressed chunks (``imports/rows.py``).

    A chunk holds up to ``rows.CHUNK_ROWS`` consecutive rows of one class as zlib-compressed
    JSON: ``[[row number, [cells], [[column, old, new], ...]], ...]``. Written with the job's
    result (a preview's, replaced by the import's) and kept when the uploaded file is purged.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_chunks")
    outcome = models.CharField("分類", max_length=50)
    seq = models.PositiveIntegerField("番号")
    row_count = models.PositiveIntegerField("行数")
    data = models.BinaryField("行(圧縮)")

    class Meta:
        verbose_name = "取込の行"
        verbose_name_plural = "取込の行"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["job", "outcome", "seq"], name="imports_row_chunk_unique")]

    def __str__(self):
        return f"取込 #{self.job_id} {self.outcome} {self.seq}"


class ImportPlanChunk(models.Model):
    """The rows a preview checked, as the kind will write them (``imports/plans.py``): kept
    from the preview to the import, so that the import re-checks only what others may have
    changed meanwhile instead of reading and checking the file again. Deleted once applied."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="plan_chunks")
    seq = models.PositiveIntegerField("番号")
    row_count = models.PositiveIntegerField("行数")
    data = models.BinaryField("行(圧縮)")

    class Meta:
        verbose_name = "取込の確認済みの行"
        verbose_name_plural = "取込の確認済みの行"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="imports_plan_chunk_unique")]

    def __str__(self):
        return f"取込 #{self.job_id} 確認済み {self.seq}"
