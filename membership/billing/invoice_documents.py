"""請求書 (invoice documents) as PDF: the rule for what an unpaid invoice's 請求書 says.

Many hospitals pay their technologists' dues and need a 請求書 addressed to them. The member
chooses the addressee (themselves, or their workplace with a person in charge); the choice is
remembered on the invoice (``Invoice.bill_to``) so that staff produce the same document.

As with receipts (``receipts.py``), the first issue copies everything the 請求書 prints into an
``InvoiceDocument`` row: addressee and address, what is billed and its consumption tax, the date,
the due date (``SocietySettings.invoice_due_days`` after it), the bank account for transfers and
the issuer with its 登録番号. Every later download renders that row only, so editing the profile
or the settings never changes a 請求書 already given out. Choosing another addressee re-issues it
under the same number and dates.

Consumption tax (適格請求書, インボイス制度): amounts are tax-inclusive whole yen. Dues (会費) are
not consideration for a service (消費税基本通達 5-5-3): 不課税, and the document says so. Seminar
fees (参加費) and renewal fees (更新料) pay for a service: 10%, the tax computed once per document
and rate, fractions of a yen cut off. With a 登録番号 in the settings the document carries what a
qualified invoice needs (issuer and number, date, what was supplied, the amount per rate with its
rate and tax, the addressee).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from cms_pages.models import society_settings
from core.pdf import render_pdf

from ..models import Invoice, InvoiceDocument
from .errors import BillingError

INVOICE_DOCUMENT_ISSUED_ACTION = "membership.invoice.document_issued"

BILL_TO_MEMBER = "member"
BILL_TO_WORKPLACE = "workplace"

# Consumption-tax rate (%) by what is billed; 0 = 不課税 (see the module docstring).
TAX_RATES = {Invoice.Category.DUES: 0, Invoice.Category.SEMINAR_FEE: 10, Invoice.Category.RENEWAL_FEE: 10}

PAID_REFUSAL = "この請求は入金済みです。請求書ではなく領収書をダウンロードしてください。"
CLOSED_REFUSAL = "この請求はお支払いの必要がないため、請求書は発行できません。"
NO_WORKPLACE_REFUSAL = (
    "会員詳細に勤務先名が登録されていません。会員詳細で勤務先名を入力するか、宛名を「ご本人」にしてください。"
)


def refusal(invoice):
    """Why no 請求書 can be given for ``invoice`` now (Japanese), or ``None``."""
    if invoice.status == Invoice.Status.PAID:
        return PAID_REFUSAL
    if invoice.status != Invoice.Status.UNPAID:
        return CLOSED_REFUSAL
    return None


def document_number(invoice):
    """The 請求書番号: one per invoice, whoever it is addressed to."""
    return f"S{invoice.fiscal_year}-{invoice.pk:07d}"


def tax_included(amount, rate):
    """The consumption tax inside a tax-inclusive ``amount`` (fractions cut off)."""
    return amount * rate // (100 + rate)


def _address(postal_code, prefecture, line1, line2):
    return postal_code, " ".join(part for part in (prefecture + line1, line2) if part)


def addressee_of(member, bill_to, attention):
    """(addressee, honorific, attention, postal code, address) for ``bill_to``; refuses a workplace
    without a name. A facility with a person in charge takes no 御中 (the person takes 様)."""
    if bill_to == BILL_TO_WORKPLACE:
        name = member.workplace_name.strip()
        if not name:
            raise BillingError(NO_WORKPLACE_REFUSAL)
        postal, address = _address(
            member.workplace_postal_code,
            member.workplace_prefecture,
            member.workplace_address1,
            member.workplace_address2,
        )
        return name, "" if attention else "御中", attention, postal, address
    if member.mailing_address == member.MailingAddress.WORKPLACE:
        postal, address = _address(
            member.workplace_postal_code,
            member.workplace_prefecture,
            member.workplace_address1,
            member.workplace_address2,
        )
    else:
        postal, address = _address(
            member.home_postal_code, member.home_prefecture, member.home_address1, member.home_address2
        )
    return member.alternate_name or member.full_name, "様", "", postal, address


def snapshot(invoice, *, bill_to, attention, issuer, today, kept=None):
    """The printed content of ``invoice``'s 請求書 as of now, for ``InvoiceDocument``'s fields.

    ``kept`` (a document already issued) keeps its number and dates on re-addressing.
    """
    member = invoice.member
    addressee, honorific, attention, postal_code, address = addressee_of(member, bill_to, attention)
    rate = TAX_RATES.get(invoice.category, 10)
    issued_on = kept.issued_on if kept else today
    return {
        "number": document_number(invoice),
        "bill_to": bill_to,
        "addressee": addressee,
        "honorific": honorific,
        "attention": attention,
        "postal_code": postal_code,
        "address": address,
        "member_number": member.member_number,
        "member_name": member.full_name,
        "description": invoice.purpose or f"{invoice.fiscal_year}年度 {invoice.get_category_display()}",
        "amount": invoice.amount,
        "tax_rate": rate,
        "tax_amount": tax_included(invoice.amount, rate),
        "issued_on": issued_on,
        "due_on": kept.due_on if kept else issued_on + datetime.timedelta(days=issuer.invoice_due_days),
        "bank_account": issuer.invoice_bank_account,
        "issuer_name": issuer.receipt_issuer_name or issuer.society_name,
        "issuer_address": issuer.receipt_issuer_address,
        "registration_number": issuer.invoice_registration_number,
    }


def issue_invoice_document(*, invoice_id, member=None, bill_to=None, attention=None, user=None):
    """The invoice's 請求書: the one already issued to the same addressee, or a new issue.

    ``member`` limits the invoice to that member's own (``Invoice.DoesNotExist`` otherwise);
    ``bill_to`` / ``attention`` default to the choice remembered on the invoice. Refused
    (``BillingError``) for an invoice that is not unpaid (a paid one has a receipt instead)
    and for a workplace without a name. A new issue or a new addressee is logged with ``user``.
    """
    with transaction.atomic():
        invoices = Invoice.objects.select_for_update(of=("self",)).select_related("member")
        invoice = invoices.get(pk=invoice_id, **({"member": member} if member is not None else {}))
        reason = refusal(invoice)
        if reason:
            raise BillingError(reason)
        bill_to = bill_to or invoice.bill_to
        if bill_to not in (BILL_TO_MEMBER, BILL_TO_WORKPLACE):
            raise BillingError("宛名を選んでください。")
        attention = (invoice.bill_to_attention if attention is None else attention).strip()[:100]
        if bill_to == BILL_TO_MEMBER:
            attention = ""
        document = InvoiceDocument.objects.filter(invoice=invoice).first()
        if document is not None and (document.bill_to, document.attention) == (bill_to, attention):
            return document
        fields = snapshot(
            invoice,
            bill_to=bill_to,
            attention=attention,
            issuer=society_settings(),
            today=timezone.localdate(),
            kept=document,
        )
        reissued = document is not None
        if reissued:
            for name, value in fields.items():
                setattr(document, name, value)
            document.issued_at = timezone.now()
            document.save()
        else:
            document = InvoiceDocument.objects.create(invoice=invoice, **fields)
        invoice.bill_to, invoice.bill_to_attention = bill_to, attention
        invoice.save(update_fields=["bill_to", "bill_to_attention", "updated_at"])
        log(
            instance=invoice,
            action=INVOICE_DOCUMENT_ISSUED_ACTION,
            user=user,
            data={"number": document.number, "addressee": document.addressee, "reissued": reissued},
        )
    return document


def render_invoice_document_pdf(document):
    """The PDF of one issued 請求書, from its ``InvoiceDocument`` row alone."""
    return render_invoice_documents_pdf([document])


def render_invoice_documents_pdf(documents):
    """One PDF of issued 請求書, one page each (the staff's batch for mailing)."""
    return render_pdf("pdf/invoice_document.html", {"documents": documents}, what="請求書")
