from django.core.mail import send_mail
from django_tasks import task


@task()
def send_member_mail(*, subject, body, to):
    """Send one plain-text mail. Queued so a slow mail server never blocks a page."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=list(to))


@task()
def send_dues_reminders_task(*, fiscal_year=None, user_id=None):
    """督促メール: staff asked for it in the admin; see ``billing.send_dues_reminders``."""
    from .billing import send_dues_reminders  # billing imports this module

    plan = send_dues_reminders(fiscal_year=fiscal_year, user_id=user_id)
    return {"members": plan.member_count, "invoices": plan.invoice_count, "without_email": len(plan.without_email)}
