"""The money area's background tasks (django-tasks): they get primary keys and re-read their rows.

Mails are queued with ``core.outbox.enqueue_with_transaction`` by the services that decide them.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ..models import Invoice, Payment


@task()
def send_paid_mail(*, invoice_id):
    invoice = Invoice.objects.select_related("member__user").get(pk=invoice_id)
    email = invoice.member.user.email
    if not email:
        return
    body = render_to_string(
        "membership/mail/paid.txt",
        {
            "invoice": invoice,
            "member": invoice.member,
            "receipt_url": f"{settings.SITE_URL}{reverse('member:receipt', kwargs={'invoice_id': invoice.pk})}",
            "dues_url": f"{settings.SITE_URL}{reverse('member:dues')}",
        },
    )
    send_mail(
        subject="【日本消化器内視鏡技師会】お支払いを確認しました",
        message=body,
        from_email=None,
        recipient_list=[email],
    )


@task()
def send_cvs_numbers_mail(*, payment_id):
    payment = Payment.objects.select_related("invoice__member__user").get(pk=payment_id)
    email = payment.invoice.member.user.email
    if not email:
        return
    body = render_to_string(
        "membership/mail/cvs_numbers.txt",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "member": payment.invoice.member,
            "dues_url": f"{settings.SITE_URL}{reverse('member:dues')}",
        },
    )
    send_mail(
        subject="【日本消化器内視鏡技師会】コンビニでのお支払い番号のお知らせ",
        message=body,
        from_email=None,
        recipient_list=[email],
    )


@task()
def send_dues_reminders_task(*, fiscal_year=None, user_id=None):
    """督促メール: staff asked for it in the admin; see ``reminders.send_dues_reminders``."""
    from .reminders import send_dues_reminders  # reminders queues this task

    plan = send_dues_reminders(fiscal_year=fiscal_year, user_id=user_id)
    return {"members": plan.member_count, "invoices": plan.invoice_count, "without_email": len(plan.without_email)}


@task()
def run_dues_generation_task(*, run_id):
    """会費の一括請求 for a large roll; progress is on the DuesRun row the admin page polls."""
    from .dues import run_dues_generation  # dues queues this task

    roll = run_dues_generation(run_id=run_id)
    return {"created": roll.created, "total_yen": roll.total_yen}


@task()
def make_invoice_document_batch_task(*, batch_id):
    """請求書の一括作成; progress is on the InvoiceDocumentBatch row the admin page polls."""
    from .invoice_document_batches import make_invoice_document_batch  # it queues this task

    batch = make_invoice_document_batch(batch_id=batch_id)
    return {"documents": batch.done}
