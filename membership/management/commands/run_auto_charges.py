"""自動継続: make the automatic charges whose day has come (run daily, e.g. from cron at 9:00 JST).

With the database task backend a run is also queued for its day when the dues are billed; this
command catches up runs that were not (the immediate backend of development) or were
interrupted. Charges already made are never made again (``billing.auto_charges``).
"""

from django.core.management.base import BaseCommand

from membership.billing.auto_charges import due_runs, run_auto_charges


class Command(BaseCommand):
    help = "Charge the automatic card payments (自動継続) whose day has come."

    def handle(self, *args, **options):
        for run_id in due_runs():
            run = run_auto_charges(run_id=run_id)
            self.stdout.write(f"{run.fiscal_year}: charged {run.charged}, declined {run.declined}, of {run.total}")
