"""Ask the gateway about open payment attempts and apply what it says.

Notifications are how the gateway tells us about payments; if our server was unreachable for
longer than the gateway keeps retrying, a payment would stay 未納 though the member paid. Run
this periodically (e.g. hourly from cron or a systemd timer) to catch such payments up.

It first finishes the notifications a killed process left at 受信 (stored, never applied):
see ``notifications.complete_stale_notifications``.
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from membership import gateway
from membership.billing.notifications import complete_stale_notifications, reconcile_payment
from membership.models import Payment


class Command(BaseCommand):
    help = "Query the gateway for open payment attempts older than --older-than minutes and apply the answers."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=60, help="minutes since the attempt last changed")

    def handle(self, *args, older_than, **options):
        cutoff = timezone.now() - datetime.timedelta(minutes=older_than)
        left = complete_stale_notifications(older_than=datetime.timedelta(minutes=older_than))
        if left:
            done = ", ".join(f"{name} {count}" for name, count in sorted(left.items()))
            self.stdout.write(f"{sum(left.values())} notification(s) left at received completed: {done}")
        open_ids = list(
            Payment.objects.filter(status__in=Payment.OPEN_STATUSES, updated_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        outcomes = {}
        for payment_id in open_ids:
            try:
                outcome = reconcile_payment(payment_id=payment_id)
            except gateway.GatewayError as error:
                self.stderr.write(f"payment {payment_id}: {error}")
                outcome = "error"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())) or "nothing open"
        self.stdout.write(f"{len(open_ids)} open attempt(s) checked: {summary}")
