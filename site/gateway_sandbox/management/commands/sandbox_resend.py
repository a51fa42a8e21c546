from django.core.management.base import BaseCommand

from gateway_sandbox.delivery import resend_undelivered


class Command(BaseCommand):
    help = "Send the sandbox gateway's undelivered result notifications again (those whose retry is due)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="every undelivered notification, also those not yet due or given up",
        )

    def handle(self, *args, **options):
        count = resend_undelivered(due_only=not options["all"])
        self.stdout.write(f"{count} notification(s) sent again.")
