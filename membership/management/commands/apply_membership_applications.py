"""Change the status of members whose approved leave, return or withdrawal starts today or earlier.

Approving an application whose day has come changes the member at once; one approved for a
later day waits for this command. Run it daily (cron or a systemd timer), shortly after
midnight Asia/Tokyo. Running it again changes nothing more.
"""

from django.core.management.base import BaseCommand

from membership.applications import apply_due_applications


class Command(BaseCommand):
    help = "Apply approved membership applications whose day has come (run daily)."

    def handle(self, *args, **options):
        applied = apply_due_applications()
        self.stdout.write(f"{applied} application(s) applied.")
