"""Invoices (請求): creating and closing them, receipt numbers, and the paid-invoice rule.

The paid-invoice rule has one owner, this module: status 入金済, the date paid, the amount
received, the channel, and a receipt number of the fiscal year of the date paid, taken last so
that the year's counter stays locked only until the commit; the paid mail
(``tasks.send_paid_mail`` through ``core.outbox``) queued before the number is taken. One
invoice its caller has locked and checked: ``mark_invoice_paid`` (the gateway's notification,
with its one-statement PostgreSQL fast path; the staff's ``payments.record_manual_payment``).
Many at once: ``mark_invoices_paid`` (the bank-transfer import), which locks and re-checks
them itself, numbers them in order, queues the mails and writes the history (its reverse, the
import's undo, is ``unpay.unmark_invoices_paid``).
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from core.dates import fiscal_year_of
from core.outbox import enqueue_with_transaction

from ..models import Invoice, Payment, ReceiptCounter
from .attempts import close_at_gateway, close_each_at_gateway
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
CHUNK = 1000


def _chunks(items):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


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


# --- the paid-invoice rule: many invoices ----------------------------------------------------


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
    """Mark many invoices paid at once, each as ``mark_invoice_paid`` would. Returns ``PaidInvoices``.

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
    for chunk in _chunks(invoice_ids):
        attempts.extend(
            Payment.objects.filter(invoice_id__in=chunk, status__in=Payment.OPEN_STATUSES)
            .order_by()
            .values_list("pk", flat=True)
        )
    attempts.sort()
    for chunk in _chunks(attempts):
        list(Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
    current, waiting, started = {}, set(), set()
    for chunk in _chunks(invoice_ids):
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
    for chunk in _chunks(invoice_ids):
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
    for chunk in _chunks(rows):
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
    for chunk in _chunks(entries):
        ModelLogEntry.objects.bulk_create(chunk)
