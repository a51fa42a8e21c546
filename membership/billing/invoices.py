"""Invoices (請求): creating and closing them, receipt numbers, and the paid-invoice rule.

The paid-invoice rule has one owner, this module with ``paid_invoices`` (the same rule for
many invoices at once): status 入金済, the date paid, the amount
received, the channel, and a receipt number of the fiscal year of the date paid, taken last so
that the year's counter stays locked only until the commit; the paid mail
(``tasks.send_paid_mail`` through ``core.outbox``) queued before the number is taken. One
invoice its caller has locked and checked: ``mark_invoice_paid`` (the gateway's notification,
with its one-statement PostgreSQL fast path; the staff's ``payments.record_manual_payment``).
Many at once: ``paid_invoices.mark_invoices_paid`` (the bank-transfer import), which locks and
re-checks them itself, numbers them in order, queues the mails and writes the history (its
reverse, the import's undo, is ``unpay.unmark_invoices_paid``).
"""

import uuid

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.log_actions import log

from core.dates import fiscal_year_of
from core.outbox import enqueue_with_transaction

from ..models import Invoice, Payment, ReceiptCounter
from .attempts import close_at_gateway
from .dues import dues_subject
from .errors import BillingError
from .sql import execute as _sql
from .sql import table as _table
from .tasks import send_paid_mail

# History (audit) entries written here; their formatters are in membership/admin/.
INVOICE_PAID_ACTION = "membership.invoice.paid_manually"
INVOICE_EXEMPTED_ACTION = "membership.invoice.exempted"
INVOICE_CANCELLED_ACTION = "membership.invoice.cancelled"
INVOICE_CREATED_ACTION = "membership.invoice.created_manually"
CLOSE_ACTIONS = {Invoice.Status.EXEMPT: INVOICE_EXEMPTED_ACTION, Invoice.Status.CANCELLED: INVOICE_CANCELLED_ACTION}

# Money received outside the gateway, as staff or a bank statement record it.
MANUAL_CHANNELS = (Invoice.Channel.COUNTER, Invoice.Channel.TRANSFER, Invoice.Channel.YUCHO)


def staff_subject(*, category, fiscal_year):
    """The subject of an invoice typed in by staff: a year's dues, or a one-off fee."""
    if category == Invoice.Category.DUES:
        return dues_subject(fiscal_year)
    return f"manual:{uuid.uuid4().hex}"


@transaction.atomic
def create_invoice(*, member, category, fiscal_year, subject, amount, purpose="", user=None):
    """Bill one thing once (seminar fees, renewal fees, staff). Returns the live invoice.

    ``user``: the staff member typing it in; the invoice's history then records it.
    """
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                member=member,
                category=category,
                fiscal_year=fiscal_year,
                subject=subject,
                amount=amount,
                purpose=purpose,
                member_status_at_billing=member.status,
            )
    except IntegrityError:
        return Invoice.objects.exclude(status=Invoice.Status.CANCELLED).get(member=member, subject=subject)
    if user is not None:
        data = {"category": category, "fiscal_year": fiscal_year, "amount": amount, "purpose": purpose}
        log(instance=invoice, action=INVOICE_CREATED_ACTION, user=user, data=data)
    return invoice


def lock_invoice(invoice_id):
    """Lock an invoice for a change, in the documented order: its open attempts, then the invoice."""
    list(
        Payment.objects.select_for_update()
        .filter(invoice_id=invoice_id, status__in=Payment.OPEN_STATUSES)
        .order_by("pk")
    )
    return Invoice.objects.select_for_update().get(pk=invoice_id)


@transaction.atomic
def close_invoice(*, invoice_id, status, reason, user=None):
    """免除 (exempt) or 取消 (cancel) an unpaid invoice, with a reason. Paid ones never change here.

    ``user``: the staff member deciding; the invoice's history then records it.
    """
    if status not in (Invoice.Status.EXEMPT, Invoice.Status.CANCELLED):
        raise BillingError("免除または取消を選んでください。")
    if not (reason or "").strip():
        raise BillingError("理由を入力してください。")
    invoice = lock_invoice(invoice_id)
    if invoice.status != Invoice.Status.UNPAID:
        raise BillingError(f"この請求は{invoice.get_status_display()}です。変更できません。")
    if invoice.payments.filter(status=Payment.Status.AWAITING).exists():
        raise BillingError("コンビニ支払待ちの決済があります。先にその決済の期限切れ・取消を確認してください。")
    close_at_gateway(invoice.pk, doing="免除・取消できません")  # attempts at the checkout: voided there first
    invoice.status = status
    invoice.status_reason = reason.strip()[:200]
    invoice.save(update_fields=["status", "status_reason", "updated_at"])
    if user is not None:
        data = {"reason": invoice.status_reason, "amount": invoice.amount}
        log(instance=invoice, action=CLOSE_ACTIONS[status], user=user, data=data)
    return invoice


# --- receipt numbers -------------------------------------------------------------------------

# Create the year's counter or lock and increment it, in one statement (PostgreSQL, and
# SQLite 3.35+, both know ON CONFLICT … RETURNING).
_NEXT_RECEIPT_NUMBER = (
    f"INSERT INTO {ReceiptCounter._meta.db_table} (fiscal_year, last_number) VALUES (%s, 1) "
    f"ON CONFLICT (fiscal_year) DO UPDATE SET last_number = {ReceiptCounter._meta.db_table}.last_number + 1 "
    "RETURNING last_number AS n"
)


def next_receipt_number(fiscal_year):
    """The next receipt number of a fiscal year, e.g. ``2024-000123``: unique and gapless.

    Must run inside the paying transaction: the counter row stays locked until it commits,
    and a rollback gives the number back.
    """
    (number,) = _sql(_NEXT_RECEIPT_NUMBER, [fiscal_year])
    return f"{fiscal_year}-{number:06d}"


# --- the paid-invoice rule: one invoice ------------------------------------------------------


def mark_invoice_paid(invoice, *, paid_on, amount, channel, notify=True, also=()):
    """Paid: date, channel, amount and a receipt number, in the caller's transaction.

    The caller has locked the invoice (after its open attempts) and checked that it is unpaid.
    ``notify``: queue the paid mail (before the receipt counter is locked: with database tasks
    the mail is an INSERT). ``also``: further ``(sql, params)`` statements (UPDATEs) of the same
    change, such as the paid attempt. The year's receipt counter stays locked from here until
    the commit and so serialises all payments; on PostgreSQL one statement runs them all (as
    data-modifying WITH parts), numbers and marks the invoice, so that the lock is held for that
    statement and the commit only, and a payment costs one round trip fewer per statement.
    """
    if notify:
        enqueue_with_transaction(send_paid_mail, invoice_id=invoice.pk)
    fiscal_year = fiscal_year_of(paid_on)
    values = [
        Invoice.Status.PAID, connection.ops.adapt_datefield_value(paid_on), amount, channel,
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]  # fmt: skip
    invoices = _table(Invoice)
    if connection.vendor == "postgresql":
        parts = "".join(f"s{index} AS ({sql}), " for index, (sql, _params) in enumerate(also))
        (invoice.receipt_number,) = _sql(
            f"WITH {parts}counter AS ({_NEXT_RECEIPT_NUMBER}) UPDATE {invoices} SET status = %s, paid_on = %s, "
            "paid_amount = %s, channel = %s, updated_at = %s, "
            "receipt_number = %s || '-' || lpad(counter.n::text, greatest(6, length(counter.n::text)), '0') "
            f"FROM counter WHERE {invoices}.id = %s RETURNING receipt_number",
            [*(param for _sql_text, params in also for param in params), fiscal_year, *values, str(fiscal_year),
             invoice.pk],
        )  # fmt: skip
    else:
        for statement in also:
            _sql(*statement)
        number = next_receipt_number(fiscal_year)
        _sql(
            f"UPDATE {invoices} SET status = %s, paid_on = %s, paid_amount = %s, channel = %s, updated_at = %s, "
            "receipt_number = %s WHERE id = %s",
            [*values, number, invoice.pk],
        )
        invoice.receipt_number = number
    invoice.status, invoice.paid_on, invoice.paid_amount, invoice.channel = (Invoice.Status.PAID, paid_on, amount, channel)  # fmt: skip


def paid_log_data(*, channel, paid_on, amount, receipt_number, note):
    """The history entry's data for money received outside the gateway (staff, bank statements)."""
    return {
        "channel": channel,
        "paid_on": paid_on.isoformat(),
        "amount": amount,
        "receipt_number": receipt_number,
        "note": note,
    }
