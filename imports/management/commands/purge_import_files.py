"""Delete the uploaded files of finished import jobs after the retention period.

The files are member lists and bank statements (personal data); once a job is applied,
failed or cancelled, nothing reads its file again. This deletes the stored file of every
such job finished more than ``--days`` days ago (default 90) and records it on the job
(``file_deleted_at``, ``file_retention_days``); the job row and its report stay, and the
job page says the file was deleted. Jobs still uploaded, previewing, waiting for
confirmation or applying keep their file.

Run it daily (cron or a systemd timer). Running it again deletes nothing more.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from imports.models import ImportJob

DEFAULT_DAYS = 90


class Command(BaseCommand):
    help = "Delete the stored files of import jobs finished more than --days days ago (the job and its report stay)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"retention period in days (default {DEFAULT_DAYS})"
        )

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        now = timezone.now()
        cutoff = now - datetime.timedelta(days=days)
        jobs = (
            ImportJob.objects.filter(state__in=ImportJob.FINISHED_STATES)
            # A finished job always has finished_at; created_at covers rows from before it did.
            .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
            .exclude(file="")
            .order_by("pk")
            .values_list("pk", "file")
        )
        deleted = missing = 0
        storage = ImportJob._meta.get_field("file").storage
        for pk, name in jobs.iterator():
            # The file goes first: if the update below never happens, the next run retries.
            existed = storage.exists(name)
            storage.delete(name)
            marked = ImportJob.objects.filter(pk=pk, file=name).update(
                file="", file_deleted_at=now, file_retention_days=days
            )
            if marked and existed:
                deleted += 1
            elif marked:
                missing += 1
        message = f"{deleted} import file(s) deleted (jobs finished more than {days} days ago)"
        if missing:
            message += f"; {missing} job(s) whose file was already gone marked as deleted"
        self.stdout.write(message + ".")
