"""Matching a bank-transfer statement (入金明細) to the members' invoices, for the preview and
the apply step of ``bank_transfers`` (see its docstring for the rules): the outcome of each
row, the invoice it pays and why.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from membership.models import Invoice, Payment

from ..loading import chunks

MATCHED = "matched"
NOT_FOUND = "not_found"
ALREADY_PAID = "already_paid"
MISMATCH = "mismatch"
CVS_AWAITING = "cvs_awaiting"
AT_GATEWAY = "at_gateway"  # applying only: the gateway would not void an attempt at the checkout

STATEMENT_CHANNELS = (Invoice.Channel.YUCHO, Invoice.Channel.TRANSFER)
INVOICE_COLUMNS = (
    "id",
    "member_id",
    "category",
    "fiscal_year",
    "amount",
    "status",
    "paid_on",
    "paid_amount",
    "channel",
    "receipt_number",
)

CATEGORY_LABELS = dict(Invoice.Category.choices)
CHANNEL_LABELS = dict(Invoice.Channel.choices)
STATUS_LABELS = dict(Invoice.Status.choices)


@dataclass
class PlannedPayment:
    row: int
    raw: list  # the row's cells, for the sample if it has to move to another class
    invoice_id: int
    label: str  # "0012345 2024年度 会費 5,000円", as Invoice.__str__
    description: str  # "2024年度 会費 5,000円"
    paid_on: object
    amount: int
    channel: str
    note: str
    has_email: bool = True  # the member can be sent the paid mail


@dataclass
class BankTransferPlan:
    table: object = None
    payments: list = field(default_factory=list)  # PlannedPayment, in file order
    file_total: int = 0  # yen over the rows without errors
    notes: list = field(default_factory=list)  # lines for the preview after the totals


def describe(invoice):
    return f"{invoice['fiscal_year']}年度 {CATEGORY_LABELS[invoice['category']]} {invoice['amount']:,}円"


def describe_payment(invoice):
    parts = [
        invoice["paid_on"].strftime("%Y/%m/%d") if invoice["paid_on"] else "",
        str(CHANNEL_LABELS.get(invoice["channel"], "")),
        f"{invoice['paid_amount']:,}円" if invoice["paid_amount"] is not None else "",
    ]
    if invoice["receipt_number"]:
        parts.append(f"領収書番号 {invoice['receipt_number']}")
    return " ".join(part for part in parts if part)


def match(values, invoices):
    """(outcome, invoice or None, reason) for one row of a known member."""
    category = values["category"]
    year = values.get("fiscal_year")
    paid_on = values["paid_on"]
    amount = values["amount"]
    category_label = CATEGORY_LABELS[category]
    candidates = [
        invoice
        for invoice in invoices
        if invoice["category"] == category and (year is None or invoice["fiscal_year"] == year)
    ]
    for invoice in candidates:
        if (
            invoice["status"] == Invoice.Status.PAID
            and invoice["paid_on"] == paid_on
            and invoice["paid_amount"] == amount
            and invoice["channel"] in STATEMENT_CHANNELS
        ):
            return (
                ALREADY_PAID,
                invoice,
                f"この入金は記録済みです({describe(invoice)}: {describe_payment(invoice)})。",
            )
    unpaid = [invoice for invoice in candidates if invoice["status"] == Invoice.Status.UNPAID]
    for invoice in unpaid:
        if invoice["amount"] == amount:
            return MATCHED, invoice, f"{describe(invoice)}を入金済にします。"
    if unpaid:
        invoice = unpaid[0]
        return MISMATCH, invoice, f"未納の請求({describe(invoice)})と金額が違います(入金 {amount:,}円)。"
    if year is not None:
        for invoice in candidates:
            if invoice["status"] == Invoice.Status.PAID:
                return (
                    ALREADY_PAID,
                    invoice,
                    f"{describe(invoice)}は入金済です({describe_payment(invoice)})。二重の入金でないか確認してください。",
                )
        for invoice in candidates:
            if invoice["status"] == Invoice.Status.EXEMPT:
                return NOT_FOUND, invoice, f"{describe(invoice)}は免除です。"
        return NOT_FOUND, None, f"{year}年度の{category_label}の請求がありません。"
    return NOT_FOUND, None, f"未納の{category_label}の請求がありません。"


def load_invoices(member_ids, rows):
    """Member id → its live invoices that rows may concern, oldest first, as dicts."""
    member_ids = sorted(set(member_ids))
    if not member_ids:
        return {}
    valid = [values for _number, values, errors, _raw in rows if not errors]
    categories = {values["category"] for values in valid}
    years = {values["fiscal_year"] for values in valid if values.get("fiscal_year") is not None}
    dates = {values["paid_on"] for values in valid}
    wanted = Q(status=Invoice.Status.UNPAID) | Q(paid_on__in=dates)
    if years:
        wanted |= Q(fiscal_year__in=years)
    queryset = (
        Invoice.objects.filter(category__in=categories)
        .exclude(status=Invoice.Status.CANCELLED)
        .filter(wanted)
        .order_by()
    )
    ledger = {}
    for chunk in chunks(member_ids):
        for invoice in queryset.filter(member_id__in=chunk).values(*INVOICE_COLUMNS):
            ledger.setdefault(invoice["member_id"], []).append(invoice)
    for invoices in ledger.values():
        invoices.sort(key=lambda invoice: (invoice["fiscal_year"], invoice["id"]))
    return ledger


def awaiting_store_payments(invoice_ids):
    """Invoice id → payment deadline of its convenience-store payment waiting to be paid."""
    found = {}
    for chunk in chunks(sorted(invoice_ids)):
        found.update(
            Payment.objects.filter(invoice_id__in=chunk, status=Payment.Status.AWAITING)
            .order_by()
            .values_list("invoice_id", "payment_term")
        )
    return found
