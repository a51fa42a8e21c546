"""The money area's background tasks (django-tasks): they get primary keys and re-read their rows.

Mails are queued with ``core.outbox.enqueue_with_transaction`` by the services that decide them.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ..mail import mail_subject
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
        subject=mail_subject("お支払いを確認しました"),
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
        subject=mail_subject("コンビニでのお支払い番号のお知らせ"),
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


# --- 自動継続 (automatic card payment) ----------------------------------------------------------


@task()
def send_autopay_notices_task(*, run_id, invoice_ids):
    """The pre-charge mail: what will be charged to the card on file, when, and how to stop it."""
    from ..models import AutoChargeRun

    run = AutoChargeRun.objects.get(pk=run_id)
    dues_url = f"{settings.SITE_URL}{reverse('member:dues')}"
    invoices = Invoice.objects.filter(pk__in=invoice_ids).select_related("member__user", "member__autopay")
    subject = mail_subject("会費のカード自動払いのお知らせ")
    sent = 0
    for invoice in invoices.iterator(chunk_size=500):
        email = invoice.member.user.email
        autopay = getattr(invoice.member, "autopay", None)
        if not email or autopay is None or not autopay.is_active:
            continue
        body = render_to_string(
            "membership/mail/autopay_notice.txt",
            {"invoice": invoice, "member": invoice.member, "autopay": autopay, "run": run, "dues_url": dues_url},
        )
        send_mail(subject=subject, message=body, from_email=None,
                  recipient_list=[email])  # fmt: skip
        sent += 1
    return {"sent": sent}


@task()
def send_auto_charge_declined_mail(*, charge_id):
    """The card on file was declined: the invoice is unpaid; update the card or pay another way."""
    from ..models import AutoCharge
    from .payments import card_error_message

    charge = AutoCharge.objects.select_related("invoice__member__user").get(pk=charge_id)
    email = charge.invoice.member.user.email
    if not email:
        return
    body = render_to_string(
        "membership/mail/auto_charge_declined.txt",
        {"charge": charge, "invoice": charge.invoice, "member": charge.invoice.member,
         "reason": card_error_message(charge.error_code), "dues_url": f"{settings.SITE_URL}{reverse('member:dues')}"},
    )  # fmt: skip
    send_mail(subject=mail_subject("会費のカード自動払いができませんでした"), message=body,
              from_email=None, recipient_list=[email])  # fmt: skip


@task()
def run_auto_charges_task(*, run_id):
    """The automatic charges of a fiscal year's dues; progress is on the AutoChargeRun row."""
    from .auto_charges import run_auto_charges  # auto_charges queues this task

    run = run_auto_charges(run_id=run_id)
    return None if run is None else {"charged": run.charged, "declined": run.declined}


# --- 請求書の一括作成 ----------------------------------------------------------------------


@task()
def make_invoice_document_batch_task(*, batch_id):
    """請求書の一括作成; progress is on the InvoiceDocumentBatch row the admin page polls."""
    from .invoice_document_batches import make_invoice_document_batch  # it queues this task

    batch = make_invoice_document_batch(batch_id=batch_id)
    return {"documents": batch.done}
