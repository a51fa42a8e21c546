from django.core.management.base import BaseCommand, CommandError

from gateway_sandbox import services

ACTIONS = {"paid": services.mark_paid, "expired": services.mark_expired}


class Command(BaseCommand):
    help = "Move a sandbox convenience-store trade on: paid (PAYSUCCESS) or expired (EXPIRED), with its notification."

    def add_arguments(self, parser):
        parser.add_argument("order_id")
        parser.add_argument("action", choices=sorted(ACTIONS))

    def handle(self, *args, order_id, action, **options):
        try:
            trade = ACTIONS[action](services.find_trade(order_id).pk)
        except services.SandboxError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{trade.order_id}: {trade.status}")
