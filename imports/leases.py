"""The lease of a running import step: a job whose process is gone goes back to staff.

A job is leased to the process working on it: starting a step and every progress update renew
``heartbeat_at`` (``services``). A running job whose heartbeat is older than the lease
(``IMPORTS_LEASE_SECONDS``) lost its process; it goes back to ``uploaded`` (preview again or
cancel) or ``previewed`` (confirm again or cancel), where staff can act. Nothing was written:
the apply is one transaction, and its row lock on the job tells a live writer from a dead one.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ImportJob

logger = logging.getLogger("imports.services")

State = ImportJob.State
Phase = ImportJob.Phase

INTERRUPTED_MESSAGE = (
    "{step}の処理が途中で止まりました(処理していたプロセスが終了したようです)。何も取り込んでいません。{next}"
)


def lease_seconds():
    return getattr(settings, "IMPORTS_LEASE_SECONDS", 600)


# --- interrupted jobs ----------------------------------------------------------------------------
def is_stalled(job, now=None):
    """Running, and its process has not renewed the lease in time (it may be gone)."""
    if not job.is_running or job.heartbeat_at is None:
        return False
    return job.heartbeat_at < (now or timezone.now()) - timedelta(seconds=lease_seconds())


def release_if_stalled(*, job):
    """Put a job whose process is gone back where staff can act; returns the job as it is now.

    The job page and its progress poll call this. A job whose row another transaction holds is
    being written right now (apply's one transaction): it is left alone.
    """
    if not is_stalled(job):
        return job
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job.pk).first()
        if locked is None:
            return job
        return release_stalled(locked)


def release_stalled_jobs():
    """Release every stalled job (run on a schedule by ``manage.py recover_stale_tasks``). Returns the count."""
    cutoff = timezone.now() - timedelta(seconds=lease_seconds())
    released = 0
    for pk in ImportJob.objects.filter(state__in=ImportJob.RUNNING_STATES, heartbeat_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        job = ImportJob.objects.get(pk=pk)
        released += release_if_stalled(job=job).state not in ImportJob.RUNNING_STATES
    return released


def release_stalled(locked):
    """Within the caller's transaction, holding the job's row lock: release it if it is stalled."""
    if not is_stalled(locked):
        return locked
    if locked.state == State.APPLYING:
        locked.state = State.PREVIEWED
        step, after = "取込", "内容を確認して、もう一度「取り込む」を押すか、取り消してください。"
    else:
        locked.state = State.UPLOADED
        step, after = "確認", "「もう一度確認する」を押すか、取り消してください。"
    locked.message = INTERRUPTED_MESSAGE.format(step=step, next=after)
    locked.phase = Phase.WAITING
    locked.processed_rows = 0
    locked.heartbeat_at = None
    locked.save(update_fields=["state", "message", "phase", "processed_rows", "heartbeat_at"])
    logger.warning("import job %s: no heartbeat for %ss, released to %s", locked.pk, lease_seconds(), locked.state)
    return locked
