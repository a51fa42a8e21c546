"""``manage.py recover_stale_tasks``: a task whose ``db_worker`` was killed runs again.

The worker is real: ``manage.py db_worker`` on the test database (``TASKS_BACKEND=database``)
claims a task that gets stuck, and is killed with SIGKILL. PostgreSQL only (a second process
on the test database).
"""

import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from tests import processes
from tests.config.stuck_task import hold

WORKER = ["manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0"]


def queue_hold(marker):
    """Queue ``hold`` as the production backend does (a task row), whatever this test's backend is."""
    backend = DatabaseBackend(alias="default", params={})
    return DBTaskResult.objects.get(pk=backend._task_to_db_task(hold, (), {"marker": str(marker)}).pk)


def recover(**options):
    out = io.StringIO()
    call_command("recover_stale_tasks", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process on the test database")
def test_a_task_whose_worker_was_killed_is_queued_again_and_runs(tmp_path):
    marker = tmp_path / "stuck"
    result = queue_hold(marker)

    processes.kill_when_stuck(WORKER, marker, TASKS_BACKEND="database")
    result.refresh_from_db()
    assert result.status == "RUNNING"  # and no worker would ever take it again

    assert "tasks queued again: 0" in recover()  # not yet older than the default hour
    assert "tasks queued again: 1, tasks failed: 0" in recover(older_than=0)
    result.refresh_from_db()
    assert result.status == "READY"

    done = subprocess.run(
        [sys.executable, *WORKER], cwd=processes.REPO, env=processes.child_env(TASKS_BACKEND="database"), timeout=120
    )
    assert done.returncode == 0
    result.refresh_from_db()
    assert result.status == "SUCCESSFUL" and result.return_value == "done"
    assert len(result.worker_ids) == 2
    assert "tasks queued again: 0, tasks failed: 0" in recover(older_than=0)


@pytest.mark.django_db
def test_a_task_that_lost_its_worker_too_often_is_marked_failed(tmp_path):
    result = queue_hold(tmp_path / "stuck")
    result.claim("worker-1")
    result.worker_ids = ["worker-1", "worker-2", "worker-3"]
    result.save(update_fields=["worker_ids"])

    assert "tasks queued again: 0, tasks failed: 1" in recover(older_than=0)
    result.refresh_from_db()
    assert result.status == "FAILED"
    assert result.exception_class_path == "core.stale_tasks.WorkerLost"
    assert "3 times" in result.traceback
