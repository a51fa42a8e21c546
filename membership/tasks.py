from django_tasks import task


@task()
def send_dues_reminders_task(*, fiscal_year=None, user_id=None):
    """督促メール: staff asked for it in the admin; see ``billing.send_dues_reminders``."""
    from .billing import send_dues_reminders  # billing imports this module

    plan = send_dues_reminders(fiscal_year=fiscal_year, user_id=user_id)
    return {"members": plan.member_count, "invoices": plan.invoice_count, "without_email": len(plan.without_email)}


@task()
def run_dues_generation_task(*, run_id):
    """会費の一括請求 for a large roll; progress is on the DuesRun row the admin page polls."""
    from .billing import run_dues_generation

    roll = run_dues_generation(run_id=run_id)
    return {"created": roll.created, "total_yen": roll.total_yen}
