"""会費支払い明細 (guide 4): the invoices a member's statement lists.

The page opens on what a member comes for: everything still to pay, whatever its year, and the
last ``RECENT_YEARS`` fiscal years (this year's dues, the receipts asked for at tax time). The
years before are one link away: after twenty years of membership the whole history was a
hundred and sixty lines on a phone (each row of the table becomes a card of eight lines there)
before the autopay panel below it, and it cost the page more to draw than everything else on it.
"""

from dataclasses import dataclass

from django.urls import reverse

from core.dates import current_fiscal_year

from ..models import Invoice, Payment

RECENT_YEARS = 5
# The columns a row of the statement shows (and ``is_unpaid`` reads).
INVOICE_FIELDS = (
    "fiscal_year",
    "category",
    "status",
    "paid_on",
    "channel",
    "amount",
    "member_status_at_billing",
    "receipt_number",
)


@dataclass(frozen=True)
class StatementRow:
    """One line of the statement, its cells as the page prints them (plain strings: a template
    formatting and reversing per cell cost the page more than everything else on it)."""

    status: str
    year: str
    category: str
    paid_on: str  # the 入金日 cell of a paid invoice: its date; of another: its status
    channel: str
    amount: str  # yen with thousands separators
    member_status: str
    payment: object  # the open payment attempt of an unpaid invoice, or None
    payment_url: str
    pay_url: str  # ① 会員情報確認 支払手続き, for an unpaid invoice without an open attempt
    receipt_url: str
    invoice_document_url: str

    @property
    def unpaid(self):
        return self.status == Invoice.Status.UNPAID

    @property
    def exempt(self):
        return self.status == Invoice.Status.EXEMPT


def statement_row(invoice):
    """The StatementRow of an invoice read by ``statement`` (with ``open_payments``)."""
    unpaid = invoice.is_unpaid
    payment = invoice.open_payments[0] if unpaid and invoice.open_payments else None
    if invoice.status == Invoice.Status.PAID:
        paid_on = invoice.paid_on.strftime("%Y/%m/%d") if invoice.paid_on else ""
    else:
        paid_on = "" if unpaid else invoice.get_status_display()
    return StatementRow(
        status=invoice.status,
        year=str(invoice.fiscal_year),
        category=invoice.get_category_display(),
        paid_on=paid_on,
        channel=invoice.get_channel_display(),
        amount=f"{invoice.amount:,}",
        member_status=invoice.member_status_words,
        payment=payment,
        payment_url=reverse("member:payment", args=[payment.order_id]) if payment else "",
        pay_url=reverse("member:payment_start", args=[invoice.pk]) if unpaid and not payment else "",
        receipt_url=reverse("member:receipt", args=[invoice.pk]) if invoice.receipt_number else "",
        invoice_document_url=reverse("member:invoice_document", args=[invoice.pk]) if unpaid else "",
    )


@dataclass(frozen=True)
class Statement:
    invoices: list  # newest year first, each with ``open_payments`` (its open gateway attempts)
    older: int  # invoices of earlier years left out (0 when the whole history is listed)
    since_year: int  # the first fiscal year listed in full


def statement(*, member, whole_history=False):
    """The member's invoices (not cancelled) for the statement, in one query, and the open
    payments of the unpaid ones listed in a second (none when nothing is unpaid): all of them,
    or the unpaid ones and those of the recent years."""
    invoices = list(
        Invoice.objects.filter(member_id=member.pk)
        .exclude(status=Invoice.Status.CANCELLED)
        .only(*INVOICE_FIELDS)
        .order_by("-fiscal_year", "category", "-created_at")
    )
    since_year = current_fiscal_year() - RECENT_YEARS + 1
    if whole_history:
        shown, older = invoices, 0
    else:
        shown = [invoice for invoice in invoices if invoice.fiscal_year >= since_year or invoice.is_unpaid]
        older = len(invoices) - len(shown)
    _attach_open_payments(shown)
    return Statement(invoices=shown, older=older, since_year=since_year)


def _attach_open_payments(invoices):
    """``invoice.open_payments``: the open attempt of each unpaid invoice (at most one, a
    constraint), read only for those: an invoice paid, cancelled or exempt has none to show."""
    unpaid = [invoice.pk for invoice in invoices if invoice.is_unpaid]
    open_payments = {}
    if unpaid:
        # No ORDER BY, no deferred columns: a row or two, and at most one an invoice.
        payments = Payment.objects.filter(invoice_id__in=unpaid, status__in=Payment.OPEN_STATUSES).order_by()
        for payment in payments:
            open_payments.setdefault(payment.invoice_id, []).append(payment)
    for invoice in invoices:
        invoice.open_payments = open_payments.get(invoice.pk, [])
