"""Payments recorded in bulk, taken back: the undo of a bank-transfer import (入金明細の取込の取消).

The reverse of ``paid_invoices.mark_invoices_paid`` and the one place that makes a paid invoice
unpaid again. A payment may be taken back only while nothing was built on it: the invoice is
still paid by that very payment (same receipt number) and no receipt (領収書) was issued for it
(a receipt given out never changes, ``receipts.issue_receipt``). The locks are the paid rule's
(``paid_invoices.lock_invoices``: open attempts, then invoices). Every invoice taken back gets a
history entry ``membership.invoice.unpaid`` with who, the receipt number left unused and what
the caller adds (the import job and row).
"""

import uuid
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from ..models import Invoice, Receipt
from .errors import BillingError
from .paid_invoices import CHUNK, LOCKED_COLUMNS, chunks, lock_invoices

INVOICE_UNPAID_ACTION = "membership.invoice.unpaid"


@dataclass(frozen=True)
class RecordedPayment:
    """A payment ``mark_invoices_paid`` recorded (as its history entry says), to be taken back."""

    invoice_id: int
    receipt_number: str
    label: str  # the history entry's label
    note: str = ""  # what the payment appended to the invoice's note
    log_data: dict = field(default_factory=dict)  # more data for the history entry (import job, row)


class UnpayRefused(BillingError):
    """Some payments cannot be taken back: ``refusals`` {invoice id: why (Japanese)}."""

    def __init__(self, refusals):
        super().__init__(f"入金を取り消せない請求が{len(refusals):,}件あります。")
        self.refusals = refusals


def unpay_refusals(payments):
    """{invoice id: why its payment cannot be taken back}, read without locks; empty when all can."""
    current = {}
    for chunk in chunks(sorted({payment.invoice_id for payment in payments})):
        current.update((row["id"], row) for row in Invoice.objects.filter(pk__in=chunk).values(*LOCKED_COLUMNS))
    return _unpay_refusals(payments, current)


@transaction.atomic
def unmark_invoices_paid(*, payments, user=None, action=INVOICE_UNPAID_ACTION):
    """Take back ``RecordedPayment``s: the invoices are 未納 again, without date, amount, channel or
    receipt number, and the note they appended is removed. Returns how many.

    Locks as ``mark_invoices_paid`` does and re-checks: an invoice changed since (no longer paid
    by that payment) or whose receipt was issued (a receipt given out never changes) refuses
    the whole call (``UnpayRefused``, nothing changed). The receipt number is not reused (a gap
    in the year's numbers, named in the history entry); the paid mail, if sent, stays sent.
    """
    payments = list(payments)
    if not payments:
        return 0
    current, _waiting, _started = lock_invoices(sorted({payment.invoice_id for payment in payments}))
    refusals = _unpay_refusals(payments, current)
    if refusals:
        raise UnpayRefused(refusals)
    now = timezone.now()
    fields = ["status", "paid_on", "paid_amount", "channel", "receipt_number", "note", "updated_at"]
    objs = [
        Invoice(pk=payment.invoice_id, status=Invoice.Status.UNPAID, paid_on=None, paid_amount=None, channel="",
                receipt_number=None, note=unmerged_note(current[payment.invoice_id]["note"], payment.note),
                updated_at=now)
        for payment in payments
    ]  # fmt: skip
    Invoice.objects.bulk_update(objs, fields, batch_size=CHUNK // 2)
    content_type = ContentType.objects.get_for_model(Invoice)
    entries = [
        ModelLogEntry(
            content_type=content_type,
            object_id=str(payment.invoice_id),
            label=payment.label,
            action=action,
            data={
                "receipt_number": payment.receipt_number,
                "amount": current[payment.invoice_id]["paid_amount"],
                "paid_on": str(current[payment.invoice_id]["paid_on"]),
                **payment.log_data,
            },
            timestamp=now,
            uuid=uuid.uuid4(),
            user_id=getattr(user, "pk", None),
        )
        for payment in payments
    ]
    for chunk in chunks(entries):
        ModelLogEntry.objects.bulk_create(chunk)
    return len(payments)


def unmerged_note(current, addition):
    """The note before ``merged_note(…, addition)``, when it still ends so; else as it is."""
    if addition and current == addition:
        return ""
    if addition and current.endswith(f" / {addition}"):
        return current[: -len(f" / {addition}")]
    return current


def _unpay_refusals(payments, current):
    issued = set()
    for chunk in chunks(sorted(current)):
        issued.update(Receipt.objects.filter(invoice_id__in=chunk).values_list("invoice_id", flat=True))
    refusals = {}
    for payment in payments:
        invoice = current.get(payment.invoice_id)
        if invoice is None:
            refusals[payment.invoice_id] = "請求が削除されています。"
        elif invoice["status"] != Invoice.Status.PAID or invoice["receipt_number"] != payment.receipt_number:
            status = Invoice.Status(invoice["status"]).label
            refusals[payment.invoice_id] = f"この入金の後に請求が変更されています(現在: {status})。"
        elif payment.invoice_id in issued:
            refusals[payment.invoice_id] = f"領収書(領収書番号 {payment.receipt_number})を発行済みです。"
    return refusals
