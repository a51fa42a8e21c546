"""Background tasks left ``RUNNING`` by a worker that was killed (django-tasks-db).

``db_worker`` marks a task ``RUNNING`` when it claims it and ``SUCCESSFUL`` / ``FAILED`` when
the task returns; a worker killed in between (SIGKILL, out of memory, a host restart) leaves
the row ``RUNNING`` and no worker ever takes it again. django-tasks-db 0.13 has no recovery of
its own (django-tasks issue #46), so ``manage.py recover_stale_tasks`` runs this on a schedule,
through the library's own model API (``DBTaskResult.objects.running()``, ``set_failed``).

A task running for longer than ``older_than`` is taken to be lost: it goes back to ``READY``,
so that a worker runs it again, unless it has already been claimed ``max_attempts`` times (each
claim adds a worker id): then it is marked ``FAILED``, so that a task that kills its worker
cannot do so forever. Our tasks may run again: they receive primary keys and re-check the
state of their rows (a mail may, rarely, be sent twice; it is never lost).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died too often while running it."""


@dataclass
class Recovered:
    requeued: int = 0
    failed: int = 0


def recover_stale_tasks(*, older_than, max_attempts=3, backend_name="default"):
    """Requeue (or fail, after ``max_attempts`` claims) tasks ``RUNNING`` for longer than ``older_than``."""
    cutoff = timezone.now() - (older_than if isinstance(older_than, timedelta) else timedelta(minutes=older_than))
    recovered = Recovered()
    stale = DBTaskResult.objects.running().filter(backend_name=backend_name, started_at__lt=cutoff)
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            # Skip a row a worker is claiming or finishing right now.
            result = stale.filter(pk=pk).select_for_update(skip_locked=True).first()
            if result is None:
                continue
            attempts = len(result.worker_ids)
            if attempts >= max_attempts:
                result.set_failed(WorkerLost(f"the worker stopped while running it ({attempts} times)"))
                recovered.failed += 1
                logger.error("task %s (%s): worker lost %s times, marked failed", pk, result.task_path, attempts)
            else:
                result.status = TaskResultStatus.READY
                result.save(update_fields=["status"])
                recovered.requeued += 1
                logger.warning("task %s (%s): worker lost, queued again", pk, result.task_path)
    return recovered
