"""Bank-transfer statements (入金明細) for the import tests."""

import csv
import datetime
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


# --- statements as the banks deliver them ----------------------------------------------------------
def _field(value, length, numeric=False):
    """One fixed-length field, by bytes in Shift_JIS: numbers right-aligned with zeros, text left-aligned with spaces."""
    data = str(value).encode("cp932")
    if numeric:
        return data.rjust(length, b"0")[:length]
    return data.ljust(length, b" ")[:length]


def wareki(day):
    """A date as the Zengin formats write it: 和暦 (令和) YYMMDD."""
    return f"{day.year - 2018:02d}{day.month:02d}{day.day:02d}"


def zengin_deposit(paid_on, amount, payer, edi="", memo="ﾌﾘｺﾐ"):
    """A data record of the 入出金取引明細 for a transfer received."""
    return dict(paid_on=paid_on, amount=amount, payer=payer, edi=edi, memo=memo, direction="1")


def zengin_withdrawal(paid_on, amount, memo="ﾃｽｳﾘﾖｳ"):
    return dict(paid_on=paid_on, amount=amount, payer="", edi="", memo=memo, direction="2")


def zengin_statement(entries, line_breaks=True, trailer_deposits=None):
    """A 全銀協 入出金取引明細 file (種別コード 03, 200-byte records, Shift_JIS): header, one data
    record per entry (``zengin_deposit`` / ``zengin_withdrawal``), trailer and end record.
    ``trailer_deposits``: (count, total) written in the trailer instead of the true ones."""
    days = [entry["paid_on"] for entry in entries] or [datetime.date(2025, 4, 1)]
    header = b"".join(
        [
            b"1030",
            _field(wareki(max(days)), 6),
            _field(wareki(min(days)), 6),
            _field(wareki(max(days)), 6),
            _field("0005", 4),
            _field("ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｪｲ", 15),
            _field("001", 3),
            _field("ﾎﾝﾃﾝ", 15),
            b"000",
            b"1",
            _field(1234567, 10, numeric=True),
            _field("ｼﾔ)ﾆﾎﾝｼﾖｳｶｷﾅｲｼｷﾖｳｷﾞｼｶｲ", 40),
            b"0",
            b"1",
            _field(0, 14, numeric=True),
            _field("", 71),
        ]
    )
    records = [header]
    for number, entry in enumerate(entries, start=1):
        records.append(
            b"".join(
                [
                    b"2",
                    _field(number, 8, numeric=True),
                    _field(wareki(entry["paid_on"]), 6),
                    _field(wareki(entry["paid_on"]), 6),
                    entry["direction"].encode(),
                    b"11" if entry["direction"] == "1" else b"18",
                    _field(entry["amount"], 12, numeric=True),
                    _field(0, 12, numeric=True),
                    _field(0, 6, numeric=True),
                    _field(0, 6, numeric=True),
                    b"0",
                    _field(0, 7, numeric=True),
                    _field(0, 3, numeric=True),
                    _field(0, 10, numeric=True),
                    _field(entry["payer"], 48),
                    _field("ﾕｳﾁﾖ" if entry["payer"] else "", 15),
                    _field("", 15),
                    _field(entry["memo"], 20),
                    _field(entry["edi"], 20),
                    b" ",
                ]
            )
        )
    deposits = [entry["amount"] for entry in entries if entry["direction"] == "1"]
    withdrawals = [entry["amount"] for entry in entries if entry["direction"] == "2"]
    count, total = trailer_deposits or (len(deposits), sum(deposits))
    records.append(
        b"".join(
            [
                b"8",
                _field(count, 6, numeric=True),
                _field(total, 13, numeric=True),
                _field(len(withdrawals), 6, numeric=True),
                _field(sum(withdrawals), 13, numeric=True),
                b"0",
                _field(0, 14, numeric=True),
                _field(len(entries), 7, numeric=True),
                _field("", 139),
            ]
        )
    )
    records.append(b"9" + _field("", 199))
    assert all(len(record) == 200 for record in records)
    return (b"\r\n" if line_breaks else b"").join(records) + (b"\r\n" if line_breaks else b"")


def zengin_notice(transfers, cancelled=(), line_breaks=True, trailer=None):
    """A 全銀協 振込入金通知 file (種別コード 01): header, one data record per transfer
    ((paid_on, amount, payer, edi) tuples; those in ``cancelled`` marked 取消区分 1), trailer
    (振込合計 of the transfers not cancelled, or ``trailer``) and end record."""
    entries = [(entry, False) for entry in transfers] + [(entry, True) for entry in cancelled]
    days = [entry[0] for entry, _ in entries] or [datetime.date(2025, 4, 1)]
    header = b"".join(
        [
            b"1010",
            _field(wareki(max(days)), 6),
            _field(wareki(min(days)), 6),
            _field(wareki(max(days)), 6),
            _field("0009", 4),
            _field("ﾐﾂｲｽﾐﾄﾓ", 15),
            _field("100", 3),
            _field("ﾄｳｷﾖｳ", 15),
            b"1",
            _field(7654321, 7, numeric=True),
            _field("ｼﾔ)ﾆﾎﾝｼﾖｳｶｷﾅｲｼｷﾖｳｷﾞｼｶｲ", 40),
            _field("", 93),
        ]
    )
    records = [header]
    for number, ((paid_on, amount, payer, edi), is_cancelled) in enumerate(entries, start=1):
        records.append(
            b"".join(
                [
                    b"2",
                    _field(number, 6, numeric=True),
                    _field(wareki(paid_on), 6),
                    _field(wareki(paid_on), 6),
                    _field(amount, 10, numeric=True),
                    _field(0, 10, numeric=True),
                    _field(0, 10, numeric=True),
                    _field(payer, 48),
                    _field("ﾕｳﾁﾖ", 15),
                    _field("ｾﾞﾝｺｸ", 15),
                    b"1" if is_cancelled else b" ",
                    _field(edi, 20),
                    _field("", 52),
                ]
            )
        )
    count, total = trailer or (len(transfers), sum(entry[1] for entry in transfers))
    cancelled_amounts = [entry[1] for entry in cancelled]
    records.append(
        b"".join(
            [
                b"8",
                _field(count, 6, numeric=True),
                _field(total, 12, numeric=True),
                _field(len(cancelled_amounts), 6, numeric=True),
                _field(sum(cancelled_amounts), 12, numeric=True),
                _field("", 163),
            ]
        )
    )
    records.append(b"9" + _field("", 199))
    assert all(len(record) == 200 for record in records)
    return (b"\r\n" if line_breaks else b"").join(records) + (b"\r\n" if line_breaks else b"")


YUCHO_HEADERS = ["取扱日", "受付局", "払込人氏名", "払込人住所", "金額", "料金", "通信欄"]


def yucho_receipt(paid_on, amount, payer, message="", office="ﾁﾖﾀﾞ"):
    """One ゆうちょ 振替 receipt row (払込み into our account), as a dict by heading."""
    return {
        "取扱日": paid_on,
        "受付局": office,
        "払込人氏名": payer,
        "払込人住所": "ﾄｳｷﾖｳﾄ ﾁﾖﾀﾞｸ",
        "金額": amount,
        "料金": "0",
        "通信欄": message,
    }


def yucho_csv(rows, headers=YUCHO_HEADERS, title="振替受払明細 口座記号番号 00100-1-123456"):
    """ゆうちょ's CSV of 振替 receipts in Shift_JIS, under a title line as the download has it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode("cp932")
