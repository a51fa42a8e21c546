"""Delete the files of 請求書の一括作成 batches finished more than ``--days`` days ago (default 30).

The files hold members' names, addresses and workplaces; each 請求書 in them can be made again
from its frozen document. The batch rows stay. Run it daily (cron or a systemd timer).
"""

from django.core.management.base import BaseCommand, CommandError

from membership.billing.invoice_document_batches import purge_batch_files

DEFAULT_DAYS = 30


class Command(BaseCommand):
    help = "Delete the files of invoice-document batches finished more than --days days ago (the rows stay)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"retention in days (default {DEFAULT_DAYS})"
        )

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        deleted = purge_batch_files(days=days)
        self.stdout.write(f"{deleted} batch file(s) deleted (batches finished more than {days} days ago)")
