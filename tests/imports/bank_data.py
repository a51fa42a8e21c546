"""Bank-transfer statements (入金明細) for the import tests."""

import csv
import io

from membership.models import Invoice, Payment
from tests.factories import InvoiceFactory, MemberFactory

HEADERS = ["会員番号", "入金日", "金額", "年度", "請求区分", "入金種別", "備考"]


def transfer(number, paid_on, amount, year="", category="", channel="", note=""):
    """One statement row as a dict by header."""
    return {
        "会員番号": number,
        "入金日": paid_on,
        "金額": amount,
        "年度": year,
        "請求区分": category,
        "入金種別": channel,
        "備考": note,
    }


def statement_csv(rows, headers=HEADERS, encoding="cp932"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode(encoding)


def statement_xlsx(rows, headers=HEADERS):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def member_with_dues(number, *years, amount=5000, **member_fields):
    """A member (login id = member number) with unpaid dues for each of ``years``."""
    member = MemberFactory(user__username=number, **member_fields)
    invoices = {year: InvoiceFactory(member=member, fiscal_year=year, amount=amount) for year in years}
    return member, invoices


def open_payment(invoice, status=Payment.Status.STARTED, method=Payment.Method.CARD, **fields):
    return Payment.objects.create(
        invoice=invoice,
        method=method,
        order_id=f"D{invoice.fiscal_year}-{invoice.pk:07d}-{status[:4].upper()}",
        amount=invoice.amount,
        status=status,
        **fields,
    )


def paid_state(invoice_ids=None):
    """Everything about payment on the invoices, to compare before and after."""
    queryset = Invoice.objects.order_by("pk")
    if invoice_ids is not None:
        queryset = queryset.filter(pk__in=invoice_ids)
    return list(
        queryset.values_list(
            "pk", "status", "paid_on", "paid_amount", "channel", "receipt_number", "note", "updated_at"
        )
    )
