"""Bank statements as the banks deliver them, read into the bank-transfer import's columns.

Two formats besides the import's own template (CSV or XLSX, ``readers.read_table``):

- 全銀協 (Zengin) 入出金取引明細 (種別コード 03): fixed-length records of 200 bytes in JIS 8-bit
  code (Shift_JIS, half-width kana), with or without line breaks: one header record (データ区分
  1), data records (2), a trailer (8) and an end record (9). Dates are 和暦 ``YYMMDD``. Only
  deposits (入払区分 1) are payments; withdrawals are read past and counted. The trailer's
  deposit count and total must agree with the records (a truncated file is refused).
- 全銀協 振込入金通知 (種別コード 01), the other file banks send for transfers received: the same
  record frame; each data record is one transfer (振込依頼人名, EDI情報), and one marked 取消 (取消区分
  1: the sending bank took it back) is read past and counted. The trailer's totals must agree.
- ゆうちょ's CSV of 振替 receipts (払込み into our 振替口座), Shift_JIS (or saved as XLSX): a heading row with
  取扱日, 払込人氏名, 金額 (or 払込金額) and 通信欄, possibly under a title row. Rows marked
  払出 in a 受払区分 column are read past.

Both become a ``StatementTable`` with the template's headings, the payer's name in 振込依頼人 and
the free text in 通信欄; the member is found from those by ``kinds.bank_payers`` (the 会員番号
cell stays blank). Detection looks at the bytes, never at the file name.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from .readers import FileFormatError, Table, normalize_header, read_table

ZENGIN = "zengin"
ZENGIN_NOTICE = "zengin_notice"
YUCHO = "yucho"
STATEMENT_KIND, NOTICE_KIND = "03", "01"  # 全銀協 種別コード: 入出金取引明細, 振込入金通知
RECORD_LENGTH = 200
DEPOSIT = "1"  # 入払区分

MEMBER, PAID_ON, AMOUNT, YEAR, CATEGORY, CHANNEL, NOTE = (
    "会員番号",
    "入金日",
    "金額",
    "年度",
    "請求区分",
    "入金種別",
    "備考",
)
PAYER, MESSAGE = "振込依頼人", "通信欄"
HEADERS = [MEMBER, PAID_ON, AMOUNT, YEAR, CATEGORY, CHANNEL, NOTE, PAYER, MESSAGE]

FORMAT_LABELS = {
    ZENGIN: "全銀協の入出金取引明細(固定長200バイト)",
    ZENGIN_NOTICE: "全銀協の振込入金通知(固定長200バイト)",
    YUCHO: "ゆうちょの振替受払明細(CSV)",
}
ACCEPTED = (
    "全銀協の入出金取引明細・振込入金通知(固定長200バイト・Shift_JIS、改行あり・なしのどちらも可)",
    "ゆうちょの振替(払込み)受払明細の CSV(Shift_JIS。取扱日・払込人氏名・金額・通信欄の列)",
    "この画面のテンプレート(CSV・Excel)",
)
NOT_RECOGNISED = "入金明細として読める形式ではありません。読み込める形式: " + "、".join(ACCEPTED) + "。"

# ゆうちょ's headings (NFKC, as ``normalize_header`` gives them) → our column.
YUCHO_HEADINGS = {
    PAID_ON: ("取扱日", "取扱年月日", "受付日", "払込日", "受入日"),
    PAYER: ("払込人氏名", "払込人名", "払込人氏名(カナ)", "払込人カナ氏名", "ご依頼人名", "依頼人名"),
    AMOUNT: ("金額", "払込金額", "受入金額", "取扱金額"),
    MESSAGE: ("通信欄", "通信文", "通信欄内容"),
    "direction": ("受払区分", "受払", "入出区分"),
}
YUCHO_LOOK_AHEAD = 10
_YEAR_IN_TEXT = re.compile(r"(20[0-9]{2})\s*年度")
_CATEGORY_WORDS = (("更新料", "更新料"), ("参加費", "参加費"), ("会費", "会費"))
_WAREKI = re.compile(r"(令和|平成|R|H)\s*(元|[0-9]{1,2})\s*[年./-]\s*([0-9]{1,2})\s*[月./-]\s*([0-9]{1,2})\s*日?", re.I)
_ERA_START = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}


@dataclass
class StatementTable(Table):
    source: str = ""  # ZENGIN or YUCHO
    notes: list = field(default_factory=list)  # lines for the preview: what was read, what was read past


def read_statement(data, file_name=""):
    """The statement in ``data`` as a table of the bank-transfer import: Zengin, ゆうちょ, or the template."""
    if not data:
        raise FileFormatError("ファイルが空です。")
    records = zengin_records(data)
    if records is not None:
        return read_zengin(records)
    try:
        table = read_table(data, file_name)
    except FileFormatError as error:
        raise FileFormatError(f"{error}{NOT_RECOGNISED}") from error
    position = yucho_heading_row(table)
    if position is not None:
        return read_yucho(table, position)
    return table


# --- 全銀協 入出金取引明細 ---------------------------------------------------------------------------
def zengin_records(data):
    """The 200-byte records of a Zengin file, or None when ``data`` is not one."""
    body = data.rstrip(b"\x1a")  # an old EOF mark
    if body[:1] == b"\xf1" and body[1:3] == b"\xf0\xf3":
        raise FileFormatError(
            "全銀協の入出金取引明細ですが、文字コードが EBCDIC です。JIS(Shift_JIS)で出力し直してください。"
        )
    if not (body[:1] == b"1" and body[1:3].isdigit()):
        return None
    if b"\n" in body or b"\r" in body:
        records = [line for line in body.splitlines() if line.strip()]
    else:
        records = [body[start : start + RECORD_LENGTH] for start in range(0, len(body), RECORD_LENGTH)]
    if len(records[0]) != RECORD_LENGTH:
        return None  # a CSV or text file that happens to begin with "1" and two digits
    return records


def read_zengin(records):
    kind = records[0][1:3].decode("ascii", "replace")
    if kind == NOTICE_KIND:
        return read_zengin_notice(records)
    if kind != STATEMENT_KIND:
        raise FileFormatError(
            f"全銀協の固定長ファイルですが、種別コードが {kind} です(入出金取引明細は 03、振込入金通知は 01)。"
            "銀行のサービスで「入出金取引明細」か「振込入金通知」を全銀協規定形式で出力してください。"
        )
    _check_lengths(records, "入出金取引明細")
    header = records[0]
    rows = []
    withdrawals = 0
    latest = _latest_date()
    deposits, deposit_total = 0, 0
    trailer = None
    for number, record in enumerate(records, start=1):
        kind = record[:1]
        if kind == b"8":
            trailer = record
        if kind != b"2":
            continue
        if record[21:22] != DEPOSIT.encode():
            withdrawals += 1
            continue
        amount = _field(record, 24, 36, number)
        amount = int(amount) if amount.isdigit() else amount
        payer = _field(record, 81, 129, number)  # 振込依頼人名又は契約者番号
        message = " ".join(
            part for part in (_field(record, 179, 199, number), _field(record, 159, 179, number)) if part
        )
        deposits += 1
        deposit_total += amount if isinstance(amount, int) else 0
        rows.append(
            (
                number,
                _row(
                    _wareki_yymmdd(_field(record, 9, 15, number), latest), amount, "振込", payer, message, "振込依頼人"
                ),
            )
        )
    if trailer is None:
        raise FileFormatError(
            "全銀協の入出金取引明細にトレーラ・レコード(データ区分 8)がありません。ファイルが途中で切れていないか確認してください。"
        )
    count, total = trailer[1:7], trailer[7:20]
    if count.isdigit() and total.isdigit() and (int(count), int(total)) != (deposits, deposit_total):
        raise FileFormatError(
            f"全銀協の入出金取引明細のトレーラ・レコード(入金 {int(count):,}件 {int(total):,}円)と"
            f"明細(入金 {deposits:,}件 {deposit_total:,}円)が一致しません。ファイルが途中で切れていないか確認してください。"
        )
    notes = [f"{FORMAT_LABELS[ZENGIN]}として読みました({_account(header, 63, 73)})。入金 {deposits:,}件。"]
    if withdrawals:
        notes.append(f"出金の明細 {withdrawals:,}件は入金ではないため読み飛ばしました。")
    return StatementTable(format=ZENGIN, headers=list(HEADERS), rows=rows, encoding="cp932", source=ZENGIN, notes=notes)


def read_zengin_notice(records):
    """振込入金通知: one data record per transfer (照会番号, 勘定日 7–13, 金額 19–29, 振込依頼人名
    49–97, 取消区分 127, EDI情報 128–148); the trailer's 振込合計 (1–7, 7–19)."""
    _check_lengths(records, "振込入金通知")
    rows = []
    latest = _latest_date()
    transfers, total, cancelled, cancelled_total = 0, 0, 0, 0
    trailer = None
    for number, record in enumerate(records, start=1):
        kind = record[:1]
        if kind == b"8":
            trailer = record
        if kind != b"2":
            continue
        amount = _field(record, 19, 29, number)
        amount = int(amount) if amount.isdigit() else amount
        if record[127:128] == b"1":  # 取消区分: the sending bank took the transfer back
            cancelled += 1
            cancelled_total += amount if isinstance(amount, int) else 0
            continue
        transfers += 1
        total += amount if isinstance(amount, int) else 0
        payer, message = _field(record, 49, 97, number), _field(record, 128, 148, number)
        paid_on = _wareki_yymmdd(_field(record, 7, 13, number), latest)
        rows.append((number, _row(paid_on, amount, "振込", payer, message, "振込依頼人")))
    if trailer is None:
        raise FileFormatError(
            "全銀協の振込入金通知にトレーラ・レコード(データ区分 8)がありません。ファイルが途中で切れていないか確認してください。"
        )
    count, sum_ = trailer[1:7], trailer[7:19]
    # Whether 振込合計 counts the cancelled transfers is not the same at every bank: both are accepted.
    if (
        count.isdigit()
        and sum_.isdigit()
        and (int(count), int(sum_))
        not in (
            (transfers, total),
            (transfers + cancelled, total + cancelled_total),
        )
    ):
        raise FileFormatError(
            f"全銀協の振込入金通知のトレーラ・レコード({int(count):,}件 {int(sum_):,}円)と"
            f"明細({transfers:,}件 {total:,}円)が一致しません。ファイルが途中で切れていないか確認してください。"
        )
    notes = [f"{FORMAT_LABELS[ZENGIN_NOTICE]}として読みました({_account(records[0], 60, 67)})。入金 {transfers:,}件。"]
    if cancelled:
        notes.append(f"取消の明細 {cancelled:,}件は入金ではないため読み飛ばしました。")
    return StatementTable(
        format=ZENGIN, headers=list(HEADERS), rows=rows, encoding="cp932", source=ZENGIN_NOTICE, notes=notes
    )


def _check_lengths(records, label):
    for number, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            raise FileFormatError(
                f"全銀協の{label}の{number}件目のレコードが{len(record)}バイトです(200バイトのはずです)。"
                "ファイルが途中で切れていないか、加工されていないか確認してください。"
            )


def _account(header, start, end):
    """「銀行名 支店名 口座番号 n」from a Zengin header (the number's bytes differ by 種別コード)."""
    bank, branch, account = _field(header, 26, 41, 1), _field(header, 44, 59, 1), _field(header, start, end, 1)
    return f"{bank} {branch} 口座番号 {account.lstrip('0')}".strip()


def _field(record, start, end, number):
    """A field of a record by its byte positions (the layout counts bytes), as text without padding."""
    try:
        return record[start:end].decode("cp932").strip()
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"全銀協のファイルの{number}件目のレコードに読めない文字があります(JIS・Shift_JIS のはずです)。"
        ) from exc


def _latest_date():
    """The latest date a 和暦 year may mean: a year ahead (a later 令和 year is 平成)."""
    return timezone.localdate() + timedelta(days=366)


def _wareki_yymmdd(text, latest=None):
    """A 和暦 ``YYMMDD`` date: 令和 unless that is after ``latest`` (then 平成); the text itself when
    it is not a date, for the date column to refuse with its own message."""
    if not (len(text) == 6 and text.isdigit()):
        return text
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:])
    latest = latest or _latest_date()
    for start in (2018, 1988):
        try:
            found = date(start + year, month, day)
        except ValueError:
            return f"{start + year}/{month}/{day}"
        if found <= latest:
            return found
    return text


# --- ゆうちょ 振替受払 CSV ----------------------------------------------------------------------------
def _yucho_columns(headers):
    columns = {}
    for position, heading in enumerate(headers):
        heading = heading.replace(" ", "").replace("\u3000", "")
        for column, names in YUCHO_HEADINGS.items():
            if heading in names and column not in columns:
                columns[column] = position
    return columns


def yucho_heading_row(table):
    """The position of ゆうちょ's heading row (-1: the table's own headers), or None."""
    candidates = [(-1, table.headers)]
    candidates += [
        (position, [normalize_header(cell) for cell in cells])
        for position, (_number, cells) in enumerate(table.rows[:YUCHO_LOOK_AHEAD])
    ]
    for position, headers in candidates:
        if {PAID_ON, PAYER, AMOUNT} <= set(_yucho_columns(headers)):
            return position
    return None


def read_yucho(table, position):
    headers = table.headers if position < 0 else [normalize_header(cell) for cell in table.rows[position][1]]
    columns = _yucho_columns(headers)
    rows = []
    paid_out = 0
    for number, cells in table.rows[position + 1 :]:

        def cell(column, cells=cells):
            at = columns.get(column)
            value = cells[at] if at is not None and at < len(cells) else None
            return value.strip() if isinstance(value, str) else ("" if value is None else value)

        if "払" in str(cell("direction")):
            paid_out += 1
            continue
        rows.append(
            (
                number,
                _row(
                    _japanese_date(cell(PAID_ON)),
                    cell(AMOUNT),
                    "ゆうちょ",
                    str(cell(PAYER)),
                    str(cell(MESSAGE)),
                    "払込人",
                ),
            )
        )
    notes = [f"{FORMAT_LABELS[YUCHO]}として読みました({len(rows):,}件)。"]
    if paid_out:
        notes.append(f"払出の明細 {paid_out:,}件は入金ではないため読み飛ばしました。")
    return StatementTable(
        format=YUCHO, headers=list(HEADERS), rows=rows, encoding=table.encoding, source=YUCHO, notes=notes
    )


def _japanese_date(text):
    """令和6年4月30日, R6.4.30, H31/4/1 as a date; 060430 (和暦 YYMMDD) too; anything else as is."""
    if not isinstance(text, str):
        return text  # an Excel date cell
    normal = unicodedata.normalize("NFKC", text).strip()
    if len(normal) == 6 and normal.isdigit():
        return _wareki_yymmdd(normal)
    match = _WAREKI.fullmatch(normal)
    if match is None:
        return text
    era, year, month, day = match.groups()
    year = 1 if year == "元" else int(year)
    start = _ERA_START[era.upper() if len(era) == 1 else era]
    try:
        return date(start + year, int(month), int(day))
    except ValueError:
        return f"{start + year}/{month}/{day}"


# --- both ------------------------------------------------------------------------------------
def _row(paid_on, amount, channel, payer, message, payer_label):
    """A row in ``HEADERS`` order: the year and category when the text names them (「2025年度 会費」),
    the payer in 備考 (added to the invoice's note: who paid, e.g. a hospital)."""
    text = unicodedata.normalize("NFKC", message)
    year = _YEAR_IN_TEXT.search(text)
    category = next((label for word, label in _CATEGORY_WORDS if word in text), "")
    note = f"{payer_label} {payer}"[:100] if payer else ""
    return ["", paid_on, amount, year.group(1) if year else "", category, channel, note, payer, message]
