"""Receipts (領収書) as PDF, with the shipped IPAex Gothic embedded.

A receipt, once given out, must not change: downloading it again gives the same content. So the
first download of a paid invoice's receipt issues it (``issue_receipt``): everything the receipt
prints is copied into a ``Receipt`` row at that moment, namely the addressee (the member's
alternate spelling or name), amount, 但し書き, date and channel of payment, and the issuer's name,
address and 登録番号 from the society settings. Every later download renders that row only, so
a member renaming themselves or staff editing the society settings changes the receipts issued
from then on, never one already issued. The number itself was fixed when the invoice was paid
(``invoices.next_receipt_number``).

The text is the same on every download; the PDF's bytes are not (the PDF library stamps its
creation time and a document ID into each file).
"""

from cms_pages.models import society_settings
from core.errors import DomainError
from core.pdf import render_pdf

from ..models import Receipt


class ReceiptError(DomainError):
    pass


def _snapshot(invoice):
    """The receipt's printed content as of now, for ``Receipt``'s fields."""
    member = invoice.member
    issuer = society_settings()
    return {
        "number": invoice.receipt_number,
        "addressee": member.alternate_name or member.full_name,
        "member_number": member.member_number,
        "amount": invoice.paid_amount if invoice.paid_amount is not None else invoice.amount,
        "purpose": invoice.receipt_purpose,
        "paid_on": invoice.paid_on,
        "channel": invoice.get_channel_display(),
        "breakdown": f"{invoice.fiscal_year}年度 {invoice.get_category_display()}",
        "issuer_name": issuer.receipt_issuer_name or issuer.society_name,
        "issuer_address": issuer.receipt_issuer_address,
        "registration_number": issuer.invoice_registration_number,
    }


def issue_receipt(invoice):
    """The invoice's ``Receipt``: the one already issued, or a new one with today's content.

    Two first downloads at once make one row: the invoice is the row's primary key, so the
    slower INSERT fails and ``get_or_create`` returns the row the faster one stored.
    """
    if not invoice.receipt_number or invoice.paid_on is None:
        raise ReceiptError("領収書番号がありません(未入金の請求です)。")
    receipt = Receipt.objects.filter(invoice=invoice).first()
    if receipt is None:
        receipt, _ = Receipt.objects.get_or_create(invoice=invoice, defaults=_snapshot(invoice))
    return receipt


def render_receipt_pdf(receipt):
    """The PDF of an issued receipt, from the ``Receipt`` row alone (no live member or settings data)."""
    return render_pdf("pdf/receipt.html", {"receipt": receipt}, what="領収書")
