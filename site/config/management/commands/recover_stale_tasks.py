"""Recover work left unfinished by a killed process; run it on a schedule (every 10 minutes).

- Background tasks (``TASKS_BACKEND=database``) still ``RUNNING`` after ``--older-than``
  minutes: their ``db_worker`` was killed. Queued again, or marked failed once they have been
  claimed ``--max-attempts`` times (``core.stale_tasks``).
- Import jobs whose process stopped renewing their lease (``IMPORTS_LEASE_SECONDS``): back to
  where staff can confirm again, check again or cancel (``imports.services``). The job page
  does the same for the job it shows; this catches the ones nobody is looking at.

A second run right after the first changes nothing.
"""

from django.core.management.base import BaseCommand

from core.stale_tasks import recover_stale_tasks
from imports.services import release_stalled_jobs


class Command(BaseCommand):
    help = "Requeue (or fail) background tasks whose worker was killed, and release import jobs whose process is gone."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=60, help="minutes a task may run before its worker is taken to be gone"
        )
        parser.add_argument(
            "--max-attempts", type=int, default=3, help="claims after which a lost task is failed, not queued again"
        )

    def handle(self, *args, older_than, max_attempts, **options):
        tasks = recover_stale_tasks(older_than=older_than, max_attempts=max_attempts)
        jobs = release_stalled_jobs()
        self.stdout.write(
            f"tasks queued again: {tasks.requeued}, tasks failed: {tasks.failed}, import jobs released: {jobs}"
        )
