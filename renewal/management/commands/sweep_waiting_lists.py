"""Queue the waiting lists' sweep (``renewal.tasks.sweep_waiting_lists``); run it every 15 minutes.

With ``TASKS_BACKEND=database`` the worker runs it; ``--now`` runs it in this process instead.
A second run right after the first changes nothing.
"""

from django.core.management.base import BaseCommand

from renewal.tasks import sweep_waiting_lists
from renewal.waiting_list import sweep


class Command(BaseCommand):
    help = "Offer seats whose offer expired to the next in line, and lapse unpaid registrations in full sessions."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="run the sweep here instead of queueing it")

    def handle(self, *args, now, **options):
        if now:
            expired, lapsed = sweep()
            self.stdout.write(f"offers expired: {expired}, registrations lapsed: {lapsed}")
        else:
            result = sweep_waiting_lists.enqueue()
            self.stdout.write(f"sweep queued: {result.id}")
