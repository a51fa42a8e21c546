"""Undoing an applied import (取込の取消): one service for every kind.

An applied job may be undone while nothing has been built on what it wrote since (a credit
counted by a renewal application, a receipt issued for a payment). The kind says whether it
can be undone at all (``ImportKind.undoable``, else ``not_undoable_reason``), what blocks it
now, per row (``undo_blockers``: the confirm page lists them), and reverses its writes through
the owning app's service (``undo``), which locks its rows, checks again and refuses with
``UndoBlocked`` if something was built on them meanwhile.

``undo_job`` runs in one transaction with the job row locked: it re-checks the state, calls
the kind, and records on the row (the import's audit record) who undid it, when and what
changed (``undone`` state, ``undone_by``, ``undone_at``, ``undo_summary``). The owning services
write a history entry per row they change, naming the job, as the import's writes did. A
refused undo changes nothing.
"""

from typing import NamedTuple

from django.db import OperationalError, transaction
from django.utils import timezone

from .models import ImportJob
from .registry import registry
from .services import ImportJobError

State = ImportJob.State

BUSY_MESSAGE = (
    "他の処理が同じデータを更新中のため、取り消せませんでした。何も変更していません。"
    "少し待ってから、もう一度お試しください。"
)


class UndoBlocker(NamedTuple):
    """A row of the job that cannot be taken back: the sheet's row (None when not known), what
    it is about (member, session or invoice) and why (Japanese)."""

    row: int | None
    subject: str
    reason: str


class UndoBlocked(Exception):
    """Raised by a kind's ``undo`` (inside the transaction) when some rows cannot be taken back."""

    def __init__(self, blockers):
        super().__init__(f"{len(blockers)} rows block the undo")
        self.blockers = blockers


class UndoRefused(ImportJobError):
    """The undo was refused because of ``blockers`` (nothing changed)."""

    def __init__(self, blockers):
        super().__init__(f"取り消せない行が{len(blockers):,}件あります。何も変更していません。")
        self.blockers = blockers


def undo_refusal(job):
    """Why ``job`` cannot be undone whatever its rows say (state, kind, a running import), or ""."""
    kind = registry.get(job.kind)
    if job.state == State.UNDONE:
        return "この取込はすでに取り消しています。"
    if job.state != State.APPLIED:
        return f"取り込み済みの取込だけを取り消せます(状態: {job.get_state_display()})。"
    if kind is None:
        return f"取込の種類 {job.kind} は登録されていません。"
    if not kind.undoable:
        return kind.not_undoable_reason
    running = ImportJob.objects.filter(kind=job.kind, state=State.APPLYING).exclude(pk=job.pk).first()
    if running is not None:
        return f"同じ種類の取込 #{running.pk} を取り込み中です。終わってから取り消してください。"
    return ""


def undo_blockers(job):
    """[UndoBlocker] of the rows that keep ``job`` from being undone now (read, no locks)."""
    if undo_refusal(job):
        return []
    return registry.get(job.kind).undo_blockers(job)


def undo_job(*, job, user):
    """「取り込みを取り消す」: reverse the applied ``job``'s writes and mark it ``undone``, or change
    nothing (``ImportJobError``; ``UndoRefused`` with the blockers). Returns the job."""
    try:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            refusal = undo_refusal(locked)
            if refusal:
                raise ImportJobError(refusal)
            try:
                summary = registry.get(locked.kind).undo(locked, user)
            except UndoBlocked as blocked:
                raise UndoRefused(blocked.blockers) from blocked
            locked.state = State.UNDONE
            locked.undone_by = user
            locked.undone_at = timezone.now()
            locked.undo_summary = summary
            locked.save(update_fields=["state", "undone_by", "undone_at", "undo_summary"])
    except OperationalError as error:  # a lock not had within the connection's lock_timeout
        raise ImportJobError(BUSY_MESSAGE) from error
    return locked
