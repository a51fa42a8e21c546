"""The paid-invoice rule for many invoices at once: ``mark_invoices_paid`` (the bank-transfer import).

The same rule as ``invoices.mark_invoice_paid`` (status 入金済, date paid, amount received,
channel, a receipt number of the fiscal year of the date paid, taken last; the paid mail), for
a list of payments received outside the gateway: it locks the invoices' open attempts and then
the invoices itself (``lock_invoices``), re-checks each, numbers them in the given order with
``invoices.next_receipt_number``, writes them in bulk and a history entry each (its reverse, the
import's undo, is ``unpay.unmark_invoices_paid``, which takes the same locks).
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.dates import fiscal_year_of
from core.outbox import enqueue_with_transaction

from ..models import Invoice, Payment
from .attempts import close_each_at_gateway
from .errors import BillingError
from .invoices import INVOICE_PAID_ACTION, MANUAL_CHANNELS, next_receipt_number, paid_log_data
from .sql import execute as _sql
from .sql import table as _table
from .tasks import send_paid_mail

CHUNK = 1000


def chunks(items):
    """``items`` in slices of CHUNK: one statement each for the bulk writes and locks."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True)
class ReceivedPayment:
    """Money received for one invoice outside the gateway (a line of a bank statement)."""

    invoice_id: int
    paid_on: datetime.date
    amount: int
    channel: str
    label: str  # the history entry's label, e.g. "0012345 2024年度 会費 5,000円"
    note: str = ""  # appended to the invoice's note
    log_data: dict = field(default_factory=dict)  # more data for the history entry (import job, row)


# Why ``mark_invoices_paid`` left an invoice alone.
GONE = "gone"  # no such invoice
CLOSED = "closed"  # cancelled or exempt
ALREADY_PAID = "paid"
OTHER_AMOUNT = "amount"  # the invoice is for another amount
STORE_WAITING = "store_waiting"  # a convenience-store payment waits to be paid
AT_GATEWAY = "at_gateway"  # an attempt at the checkout the gateway would not void (``PaidInvoices.reasons``)


@dataclass
class PaidInvoices:
    """What ``mark_invoices_paid`` did."""

    paid: list = field(default_factory=list)  # (ReceivedPayment, receipt number), in the given order
    # invoice id -> (GONE / CLOSED / ALREADY_PAID / OTHER_AMOUNT / STORE_WAITING / AT_GATEWAY, the
    # invoice's current values as a dict, or None when it is gone)
    refused: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)  # invoice id -> why the gateway refused (AT_GATEWAY), Japanese
    mailed: int = 0  # paid mails queued
    without_email: int = 0  # paid invoices whose member has no e-mail address (not mailed)


LOCKED_COLUMNS = ("id", "status", "amount", "note", "paid_on", "paid_amount", "channel", "receipt_number")


def merged_note(current, addition):
    if not addition or addition in current:
        return current
    return (f"{current} / {addition}" if current else addition)[:200]


@transaction.atomic
def mark_invoices_paid(*, payments, user=None, notify=True, action=INVOICE_PAID_ACTION):
    """Mark many invoices paid at once, each as ``invoices.mark_invoice_paid`` would. Returns ``PaidInvoices``.

    Locks the invoices' open attempts, then the invoices (by id; on PostgreSQL a lock waits at
    most the connection's ``lock_timeout``, then ``DatabaseError``) and re-checks each: one gone,
    closed, paid, billed for another amount or with a store payment waiting is left alone
    (``refused``). So is one whose attempts at the checkout the gateway would not void (paid or
    store numbers issued there, or not reachable: ``attempts.close_at_gateway``; AT_GATEWAY, with
    the reason). The others: attempts at the checkout voided and cancelled, paid mails queued (``notify``;
    members with an e-mail address), receipt numbers per fiscal year in the given order, the
    invoices written in bulk with the note appended, a history entry each (``action``, ``user``).
    """
    payments = list(payments)
    if any(payment.channel not in MANUAL_CHANNELS for payment in payments):
        raise BillingError("入金種別は窓口・振込・ゆうちょから選んでください。")
    invoice_ids = sorted({payment.invoice_id for payment in payments})
    if len(invoice_ids) != len(payments):
        raise BillingError("同じ請求への入金が2件あります。")
    result = PaidInvoices()
    if not payments:
        return result
    current, waiting, started = lock_invoices(invoice_ids)
    to_pay = []
    for payment in payments:
        invoice = current.get(payment.invoice_id)
        refusal = _refusal(invoice, payment.amount, payment.invoice_id in waiting)
        if refusal:
            result.refused[payment.invoice_id] = (refusal, invoice)
        else:
            to_pay.append(payment)
    # Rarely: attempts still at the checkout, voided at the gateway first (it may refuse).
    result.reasons = close_each_at_gateway(started & {p.invoice_id for p in to_pay}, doing="入金を記録できません")
    result.refused.update((pk, (AT_GATEWAY, current[pk])) for pk in result.reasons)
    to_pay = [payment for payment in to_pay if payment.invoice_id not in result.reasons]
    if not to_pay:
        return result
    paid_ids = sorted(payment.invoice_id for payment in to_pay)
    if notify:
        with_email = _with_email(paid_ids)
        for payment in to_pay:
            if payment.invoice_id in with_email:
                enqueue_with_transaction(send_paid_mail, invoice_id=payment.invoice_id)
        result.mailed = len(with_email)
        result.without_email = len(to_pay) - len(with_email)
    # Numbered in the given order, last: each year's counter stays locked until the commit.
    result.paid = [(payment, next_receipt_number(fiscal_year_of(payment.paid_on))) for payment in to_pay]
    _write_paid(result.paid, current)
    _log_paid(result.paid, user=user, action=action)
    return result


def lock_invoices(invoice_ids):
    """Lock the open attempts, then the invoices.

    Returns ({id: current values}, {ids with a store payment waiting}, {ids with an attempt at the checkout}).
    """
    attempts = []
    for chunk in chunks(invoice_ids):
        attempts.extend(
            Payment.objects.filter(invoice_id__in=chunk, status__in=Payment.OPEN_STATUSES)
            .order_by()
            .values_list("pk", flat=True)
        )
    attempts.sort()
    for chunk in chunks(attempts):
        list(Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
    current, waiting, started = {}, set(), set()
    for chunk in chunks(invoice_ids):
        rows = Invoice.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values(*LOCKED_COLUMNS)
        current.update((row["id"], row) for row in rows)
        # The invoices are locked: nobody can start, pay or close an attempt of them now.
        for invoice_id, status in (
            Payment.objects.filter(invoice_id__in=chunk, status__in=Payment.OPEN_STATUSES)
            .order_by()
            .values_list("invoice_id", "status")
        ):
            (waiting if status == Payment.Status.AWAITING else started).add(invoice_id)
    return current, waiting, started


def _refusal(invoice, amount, store_waiting):
    if invoice is None:
        return GONE
    if invoice["status"] in (Invoice.Status.CANCELLED, Invoice.Status.EXEMPT):
        return CLOSED
    if invoice["status"] == Invoice.Status.PAID:
        return ALREADY_PAID
    if invoice["amount"] != amount:
        return OTHER_AMOUNT
    if store_waiting:
        return STORE_WAITING
    return None


def _with_email(invoice_ids):
    found = set()
    for chunk in chunks(invoice_ids):
        found.update(Invoice.objects.filter(pk__in=chunk).exclude(member__user__email="").values_list("pk", flat=True))
    return found


def _write_paid(paid, current):
    now = timezone.now()
    rows = [
        (payment.invoice_id, payment.paid_on, payment.amount, payment.channel, number,
         merged_note(current[payment.invoice_id]["note"], payment.note))
        for payment, number in paid
    ]  # fmt: skip
    if connection.vendor != "postgresql":  # development databases: CASE WHEN in batches
        fields = ["status", "paid_on", "paid_amount", "channel", "receipt_number", "note", "updated_at"]
        objs = [
            Invoice(pk=pk, status=Invoice.Status.PAID, paid_on=paid_on, paid_amount=amount, channel=channel,
                    receipt_number=number, note=note, updated_at=now)
            for pk, paid_on, amount, channel, number, note in rows
        ]  # fmt: skip
        Invoice.objects.bulk_update(objs, fields, batch_size=CHUNK // 2)
        return
    invoices = _table(Invoice)
    for chunk in chunks(rows):
        values = ", ".join(["(%s::bigint, %s::date, %s::integer, %s::text, %s::text, %s::text)"] * len(chunk))
        _sql(
            f"UPDATE {invoices} AS i SET status = %s, updated_at = %s, paid_on = v.paid_on, "
            "paid_amount = v.paid_amount, channel = v.channel, receipt_number = v.receipt_number, note = v.note "
            f"FROM (VALUES {values}) AS v (id, paid_on, paid_amount, channel, receipt_number, note) WHERE i.id = v.id",
            [Invoice.Status.PAID, now, *(value for row in chunk for value in row)],
        )


def _log_paid(paid, *, user, action):
    """The invoices' history entries, written in batches (Wagtail's ``log()`` writes one row a call)."""
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Invoice)
    entries = [
        ModelLogEntry(
            content_type=content_type,
            object_id=str(payment.invoice_id),
            label=payment.label,
            action=action,
            data={
                **paid_log_data(
                    channel=payment.channel,
                    paid_on=payment.paid_on,
                    amount=payment.amount,
                    receipt_number=number,
                    note=payment.note,
                ),
                **payment.log_data,
            },  # fmt: skip
            timestamp=now,
            uuid=uuid.uuid4(),  # Wagtail's history shows one entry per uuid and action
            user_id=getattr(user, "pk", None),
        )
        for payment, number in paid
    ]
    for chunk in chunks(entries):
        ModelLogEntry.objects.bulk_create(chunk)
