"""Bank-transfer statements (入金明細: ゆうちょ・振込): dues and fees paid outside the gateway.

One row is one payment received: member number, date, amount, and optionally the fiscal
year and category of the invoice it pays, the channel (ゆうちょ or 振込) and a note.

Matching. Each row is matched to at most ONE invoice of that member and category (会費
unless 請求区分 says otherwise); cancelled invoices are ignored:

1. this very payment is already recorded (a paid invoice of that category — and year, when
   given — with the same 入金日 and amount, channel ゆうちょ or 振込): 入金済. This is what
   makes importing the same statement again change nothing, also for rows without a year;
2. an unpaid invoice (of the year, when given; else of any year) whose amount equals the
   row's: the oldest one (fiscal year, then id) → 照合済;
3. an unpaid invoice with another amount → 金額不一致 (the oldest one is named);
4. with a year: that year's invoice is paid (by another channel or on another day: maybe
   paid twice, staff check) → 入金済; exempt (免除) → 該当なし;
5. otherwise (no such member, no invoice) → 該当なし.

A 照合済 invoice with a convenience-store payment waiting (コンビニ支払待ち) becomes
コンビニ支払待ちあり: the member has store numbers and may still pay there, so staff decide.

Decisions:

- Only 照合済 rows are applied. 該当なし / 入金済 / 金額不一致 / コンビニ支払待ちあり rows are
  reported (counts and first rows in the preview, with the reason in 照合結果) and skipped;
  they are not errors, because a real statement always has some (another association's
  transfer, a member who paid twice) and they must not keep the rest from being recorded.
- Errors block the whole import (nothing is recorded until the file is fixed): a malformed
  cell (date, amount, year, member-number format, unknown 請求区分 / 入金種別), an 入金日
  after today, and two rows matched to the same invoice (a line repeated in the statement,
  or two transfers for one invoice: give the 年度 of each to tell them apart). A row never
  takes "the next oldest" invoice; staff record such cases one by one in the invoice screen.
- Applying is one transaction (the framework's): every 照合済 invoice is marked paid exactly
  as ``membership.billing.invoices.mark_invoice_paid`` does (status paid, paid_on = 入金日,
  paid_amount, channel yucho / transfer, a receipt number from
  ``membership.billing.invoices.next_receipt_number`` of the fiscal year of 入金日, numbered in file
  order, gapless), an open card/store attempt still 手続き中 (STARTED) is cancelled, the row's
  備考 is appended to the invoice's note, and the invoice's history gets an entry
  (``imports.invoice.paid``, with the job number and who confirmed it).
- Mails: the confirm step has a checkbox 「入金確認メールを会員に送る」, checked by default (a
  confirm option, stored on the job). When it is on, every invoice paid by the import gets the
  same mail as a card or store payment, ``membership.billing.tasks.send_paid_mail`` (fiscal year,
  amount, receipt link), queued with ``core.outbox.enqueue_with_transaction`` inside the
  import's transaction: a rolled-back import mails nobody, and rows that change nothing
  (入金済, so also a statement imported again) mail nobody either. Members without an e-mail
  address are left out (the preview counts them; ``send_paid_mail`` would skip them anyway).
  Staff uncheck the box when migrating old statements; the import is then bookkeeping only,
  like ``record_manual_payment(notify=False)`` for one invoice.
- At apply time the framework validates the file again against the database; then ``write``
  locks the open payments of the matched invoices, then the invoices (the documented order:
  payment before invoice before receipt counter; ``select_for_update``, ordered by id; on
  PostgreSQL a lock waits at most the ``lock_timeout`` that settings.py sets for every
  connection, ``DB_LOCK_TIMEOUT_MS``) and re-checks each one. An invoice that was paid,
  exempted, cancelled, re-priced or got a store payment waiting in between moves to the
  matching class in the result instead of being paid twice. If the locks cannot be had within
  that time, nothing is recorded and staff are asked to try again.

Speed: the members, their invoices (unpaid ones, and paid ones of the file's years and
dates) and the waiting store payments are loaded in a few queries for the whole file;
matching runs in Python. Applying locks in chunks, writes the invoices with
``imports.bulk.update_rows`` and the history with ``bulk_create``; the receipt counter is
one upsert per paid invoice, and so is the paid mail when tasks live in the database (one
task row each; django-tasks has no bulk enqueue).
"""

import unicodedata
import uuid
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from import_export import resources
from import_export.widgets import Widget
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.models import ModelLogEntry

from core.dates import fiscal_year_of
from core.outbox import enqueue_with_transaction
from membership.billing.invoices import next_receipt_number
from membership.billing.tasks import send_paid_mail
from membership.models import Invoice, Member, Payment

from ..bulk import update_rows
from ..registry import ConfirmOption, ImportField, ImportKind, register
from ..report import ERROR, UNCHANGED, UPDATED, Outcome
from ..services import ImportJobError
from ..widgets import (
    REQUIRED_MESSAGE,
    CellError,
    ChoiceLabelWidget,
    CodeWidget,
    JapaneseDateWidget,
    TextWidget,
    cell_text,
)
from .members import chunks, preload

MATCHED = "matched"
NOT_FOUND = "not_found"
ALREADY_PAID = "already_paid"
MISMATCH = "mismatch"
CVS_AWAITING = "cvs_awaiting"

OUTCOMES = (
    Outcome(MATCHED, "照合済", UPDATED),
    Outcome(NOT_FOUND, "該当なし", UNCHANGED),
    Outcome(ALREADY_PAID, "入金済", UNCHANGED),
    Outcome(MISMATCH, "金額不一致", UNCHANGED),
    Outcome(CVS_AWAITING, "コンビニ支払待ちあり", UNCHANGED),
    Outcome(ERROR, "エラー", ERROR),
)

DETAIL_COLUMN = "照合結果"
SEND_PAID_MAIL = "send_paid_mail"  # the confirm option
MAIL_OPTION = ConfirmOption(
    SEND_PAID_MAIL,
    "入金確認メールを会員に送る",
    help_text="入金済にした請求ごとに、領収書のリンク付きで送ります。過去の入金記録の移行ではチェックを外してください。",
    default=True,
)
PAID_ACTION = "imports.invoice.paid"
STATEMENT_CHANNELS = (Invoice.Channel.YUCHO, Invoice.Channel.TRANSFER)
LOG_BATCH = 1000
MAX_AMOUNT = 10_000_000
BUSY_MESSAGE = (
    "他の処理(オンライン決済や入金の記録)が同じ請求を更新中のため、取り込めませんでした。何も変更していません。"
    "少し待ってから、もう一度アップロードしてやり直してください。"
)
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


# --- cells ---------------------------------------------------------------------------------------
class YenWidget(Widget):
    """Whole yen: ``5000``, ``5,000``, ``5,000円``, ``￥5,000``, full-width digits, or a number cell."""

    message = "金額は円単位の数字で入力してください(例: 5000、5,000円)。"

    def __init__(self, required=True, maximum=MAX_AMOUNT, **kwargs):
        super().__init__(**kwargs)
        self.required = required
        self.maximum = maximum

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise CellError(self.message)
        if isinstance(value, float):
            if not value.is_integer():
                raise CellError("金額は1円単位(小数なし)で入力してください。")
            value = int(value)
        if isinstance(value, int):
            return self._check(value)
        text = value.strip() if value.__class__ is str else cell_text(value)
        if not text:
            if self.required:
                raise CellError(REQUIRED_MESSAGE)
            return None
        if not text.isdigit() or not text.isascii():
            text = unicodedata.normalize("NFKC", text)
            for mark in (",", "円", "¥", "\\", " "):
                text = text.replace(mark, "")
        if text.startswith("-"):
            raise CellError("金額は1円以上で入力してください。")
        if not (text.isascii() and text.isdigit()):
            raise CellError(self.message)
        return self._check(int(text))

    def _check(self, amount):
        if amount <= 0:
            raise CellError("金額は1円以上で入力してください。")
        if amount > self.maximum:
            raise CellError(f"金額が大きすぎます({self.maximum:,}円まで)。")
        return amount

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class FiscalYearWidget(Widget):
    """年度 in four digits: ``2024``, ``2024年度``, full-width digits, or a number cell."""

    message = "年度は西暦4桁で入力してください(例: 2024)。"

    def __init__(self, min_year=2000, max_year=2100, **kwargs):
        super().__init__(**kwargs)
        self.min_year = min_year
        self.max_year = max_year

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = unicodedata.normalize("NFKC", cell_text(value)).strip()
        if not text:
            return None
        for suffix in ("年度", "年"):
            text = text.removesuffix(suffix).strip()
        if not (len(text) == 4 and text.isascii() and text.isdigit()):
            raise CellError(self.message)
        year = int(text)
        if not self.min_year <= year <= self.max_year:
            raise CellError(f"年度が範囲外です({self.min_year}年度から{self.max_year}年度まで)。")
        return year

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _channel_widget():
    widget = ChoiceLabelWidget(
        [(Invoice.Channel.YUCHO, "ゆうちょ"), (Invoice.Channel.TRANSFER, "振込")], default=Invoice.Channel.YUCHO
    )
    # Names the statements themselves use.
    aliases = {
        "ゆうちょ銀行": Invoice.Channel.YUCHO,
        "郵便振替": Invoice.Channel.YUCHO,
        "振替": Invoice.Channel.YUCHO,
        "払込": Invoice.Channel.YUCHO,
        "銀行振込": Invoice.Channel.TRANSFER,
        "振込み": Invoice.Channel.TRANSFER,
        "振り込み": Invoice.Channel.TRANSFER,
    }
    widget.by_label.update(aliases)
    return widget


class BankTransferResource(resources.ModelResource):
    member_number = ImportField(
        attribute="member_number",
        column_name="会員番号",
        widget=CodeWidget(max_length=20, required=True, label="会員番号"),
        required=True,
        text_column=True,
        help_text="先頭の0もそのまま入れてください(Excel では列を「文字列」にしてから入力してください)。",
    )
    paid_on = ImportField(
        attribute="paid_on",
        column_name="入金日",
        widget=JapaneseDateWidget(required=True, min_year=2000),
        required=True,
        help_text="2024/04/01、2024-04-01 の形式か、Excel の日付。領収書の日付になり、領収書番号はこの日の年度で付きます。",
    )
    amount = ImportField(
        attribute="amount",
        column_name="金額",
        widget=YenWidget(),
        required=True,
        help_text="円単位の整数。5000、5,000、5,000円、全角数字のどれでも構いません。",
    )
    fiscal_year = ImportField(
        attribute="fiscal_year",
        column_name="年度",
        widget=FiscalYearWidget(),
        help_text="入金する請求の年度(西暦4桁、例: 2024)。空欄なら、金額が一致する最も古い年度の未納の請求。",
    )
    category = ImportField(
        attribute="category",
        column_name="請求区分",
        widget=ChoiceLabelWidget(Invoice.Category.choices, default=Invoice.Category.DUES),
        help_text="会費、更新料、参加費 のいずれか(空欄は会費)。",
    )
    channel = ImportField(
        attribute="channel",
        column_name="入金種別",
        widget=_channel_widget(),
        help_text="ゆうちょ または 振込(空欄はゆうちょ)。",
    )
    note = ImportField(
        attribute="note",
        column_name="備考",
        widget=TextWidget(max_length=100),
        help_text="請求の備考に追記します(100文字まで)。空欄可。",
    )

    class Meta:
        model = Invoice
        fields = ("member_number", "paid_on", "amount", "fiscal_year", "category", "channel", "note")
        import_order = fields
        export_order = fields


# --- history -------------------------------------------------------------------------------------
class PaidByImportLogFormatter(LogFormatter):
    label = "入金明細の取込"

    def format_message(self, log_entry):
        data = log_entry.data or {}
        parts = [
            str(CHANNEL_LABELS.get(data.get("channel"), data.get("channel") or "")),
            (data.get("paid_on") or "").replace("-", "/"),
            f"{data['amount']:,}円" if data.get("amount") is not None else "",
        ]
        if data.get("receipt_number"):
            parts.append(f"領収書番号 {data['receipt_number']}")
        if data.get("note"):
            parts.append(f"備考「{data['note']}」")
        text = "入金明細の取込で入金を記録しました: " + " ".join(part for part in parts if part)
        if data.get("import_job"):
            text += f"(取込 #{data['import_job']})"
        return text


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(PAID_ACTION)(PaidByImportLogFormatter)


# --- the plan ------------------------------------------------------------------------------------
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


def merged_note(current, addition):
    if not addition or addition in current:
        return current
    return (f"{current} / {addition}" if current else addition)[:200]


@register
class BankTransferImport(ImportKind):
    key = "bank_transfers"
    label = "入金明細(ゆうちょ・振込)"
    order = 30
    resource_class = BankTransferResource
    outcomes = OUTCOMES
    summary_outcomes = (MATCHED, ALREADY_PAID, NOT_FOUND, MISMATCH, CVS_AWAITING)
    reimport_note = "記録済みの入金は「入金済」になり、もう一度取り込んでも何も変わりません。"
    description = (
        "ゆうちょ(払込・振替)や銀行振込の入金明細から、会員の未納の請求(会費・更新料・参加費)に入金を記録します。"
        "1行が1件の入金です。会員番号・年度・請求区分で請求を探し、金額が一致した請求(照合済)を入金済にします。"
    )
    notes = (
        "1行目に見出し(テンプレートと同じ列名)、2行目から1行に1件の入金を入れてください。列の順番は自由です。"
        "ゆうちょ・銀行の明細は、この形に並べ替えてから取り込んでください。",
        "CSV は UTF-8(BOM 付きでも可)か Shift_JIS(Excel の「CSV(コンマ区切り)」)、または Excel ブック(.xlsx)の最初のシート。",
        "年度を入れた行はその年度の請求と、年度が空欄の行はその請求区分の未納の請求のうち金額が一致する最も古い年度の請求と照合します。",
        "照合済: 入金済にします(入金日・金額・入金種別を記録し、入金日の年度の領収書番号を付けます。手続き中のオンライン決済は取り消します)。",
        "該当なし(会員番号の会員や未納の請求がない)・入金済(その請求はすでに入金済)・金額不一致(未納の請求と金額が違う)・"
        "コンビニ支払待ちあり(コンビニ決済の支払待ちがある)の行は記録せず、確認画面に表示するだけです。"
        "内容を確かめ、必要なら請求の画面で入金を記録してください。",
        "同じ明細をもう一度取り込むと、記録済みの行はすべて「入金済」になり、何も変わりません。",
        "エラー(日付・金額・年度・会員番号の形式、今日より後の入金日、同じ請求に照合される行が2行以上)が1件でもあると取り込めません。"
        "同じ会員の同じ請求区分の入金が2件ある場合は、それぞれに年度を入れてください。",
        "「入金確認メールを会員に送る」(確認画面、最初はチェックあり)にチェックを入れて取り込むと、入金済にした請求ごとに"
        "カード・コンビニ払いと同じ入金確認メール(領収書のリンク付き)を会員に送ります(メールアドレスのない会員を除く)。"
        "過去の入金記録の移行ではチェックを外してください。もう一度取り込んだ明細(入金済の行)ではメールは送りません。",
    )
    confirm_options = (MAIL_OPTION,)
    preview_columns = ("会員番号", "入金日", "金額", "年度", "請求区分", "入金種別")

    def new_report(self):
        report = super().new_report()
        report.columns.append(DETAIL_COLUMN)
        return report

    def cells(self, table, raw, detail):
        return [*self.sample_cells(table, raw), detail]

    # --- validation ------------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        today = timezone.localdate()
        rows = []
        numbers = set()
        for number, values, errors, raw in self.clean_rows(table, report, progress):
            paid_on = values.get("paid_on")
            if paid_on and paid_on > today:
                errors.append(("入金日", "入金日が今日より後の日付です。"))
            if values.get("member_number"):
                numbers.add(values["member_number"])
            rows.append((number, values, errors, raw))

        members = {}
        with_email = set()
        for row in preload(
            Member.objects.all(), "member_number", numbers, columns=["id", "member_number", "user__email"]
        ):
            members[row["member_number"]] = row["id"]
            if row["user__email"]:
                with_email.add(row["id"])
        ledger = self.load_invoices(members.values(), rows)
        number_column = table.headers.index("会員番号")

        # Match every row; keep the outcome, the invoice and the reason.
        matches = []
        first_row_of_invoice = {}
        plan = BankTransferPlan(table=table)
        for number, values, errors, raw in rows:
            if errors:
                matches.append((number, ERROR, None, errors[0][1], values, errors, raw))
                continue
            plan.file_total += values["amount"]
            member_id = members.get(values["member_number"])
            if member_id is None:
                detail = f"会員番号 {values['member_number']} の会員がいません。"
                if isinstance(raw[number_column], (int, float)):
                    detail += "Excel で数値として保存すると先頭の0が消えます。列を「文字列」にしてください。"
                matches.append((number, NOT_FOUND, None, detail, values, errors, raw))
                continue
            outcome, invoice, detail = self.match(values, ledger.get(member_id, ()))
            if outcome == MATCHED:
                first = first_row_of_invoice.setdefault(invoice["id"], number)
                if first != number:
                    message = (
                        f"{first}行目と同じ請求({describe(invoice)})に照合されます。同じ入金が2行ないか確認し、"
                        "別々の入金なら年度を入れてください。"
                    )
                    errors.append(("会員番号", message))
                    matches.append((number, ERROR, invoice, message, values, errors, raw))
                    continue
            matches.append((number, outcome, invoice, detail, values, errors, raw))

        awaiting = self.awaiting_store_payments([m[2]["id"] for m in matches if m[1] == MATCHED])
        for number, outcome, invoice, detail, values, errors, raw in matches:
            if outcome == MATCHED and invoice["id"] in awaiting:
                outcome = CVS_AWAITING
                term = awaiting[invoice["id"]]
                deadline = f"(お支払期限 {timezone.localtime(term):%Y/%m/%d})" if term else ""
                detail = (
                    f"{describe(invoice)}にコンビニ支払待ちの決済があります{deadline}。"
                    "決済の状態を確認してから入金を記録してください。"
                )
            if outcome == ERROR:
                report.add(ERROR, number, self.cells(table, raw, detail) if report.wants_sample(ERROR) else ())
                for column, message in errors:
                    report.add_error(number, column, message)
                continue
            report.add(outcome, number, self.cells(table, raw, detail) if report.wants_sample(outcome) else ())
            if outcome == MATCHED:
                plan.payments.append(
                    PlannedPayment(
                        row=number,
                        raw=raw,
                        invoice_id=invoice["id"],
                        label=f"{values['member_number']} {describe(invoice)}",
                        description=describe(invoice),
                        paid_on=values["paid_on"],
                        amount=values["amount"],
                        channel=values["channel"],
                        note=values.get("note") or "",
                        has_email=invoice["member_id"] in with_email,
                    )
                )
        self.add_totals(report, plan)
        without_email = sum(1 for payment in plan.payments if not payment.has_email)
        if without_email:
            report.notes.append(
                f"照合済のうち {without_email:,}件はメールアドレスのない会員の請求です(入金確認メールは送れません)。"
            )
        return plan

    def match(self, values, invoices):
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

    def load_invoices(self, member_ids, rows):
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

    def awaiting_store_payments(self, invoice_ids):
        """Invoice id → payment deadline of its convenience-store payment waiting to be paid."""
        found = {}
        for chunk in chunks(sorted(invoice_ids)):
            found.update(
                Payment.objects.filter(invoice_id__in=chunk, status=Payment.Status.AWAITING)
                .order_by()
                .values_list("invoice_id", "payment_term")
            )
        return found

    def add_totals(self, report, plan):
        matched = sum(payment.amount for payment in plan.payments)
        report.notes = [
            f"照合済 {len(plan.payments):,}件の入金額の合計: {matched:,}円",
            f"ファイルの金額の合計(エラーの行を除く): {plan.file_total:,}円",
        ]

    # --- writing ---------------------------------------------------------------------------
    def write(self, plan, report):
        if not plan.payments:
            return
        invoice_ids = sorted({payment.invoice_id for payment in plan.payments})
        try:
            # A lock that cannot be had within the connection's lock_timeout (settings.py,
            # DB_LOCK_TIMEOUT_MS) fails with a DatabaseError: nothing is recorded.
            self.lock_open_payments(invoice_ids)
            current = self.lock_invoices(invoice_ids)
        except DatabaseError as error:
            raise ImportJobError(BUSY_MESSAGE) from error
        # The invoices are locked: nobody can start, pay or close a payment of them now.
        open_payments = {}
        for chunk in chunks(invoice_ids):
            rows = Payment.objects.filter(invoice_id__in=chunk, status__in=Payment.OPEN_STATUSES).order_by()
            for pk, invoice_id, status in rows.values_list("pk", "invoice_id", "status"):
                open_payments.setdefault(invoice_id, []).append((pk, status))

        to_pay = []
        for payment in plan.payments:
            invoice = current.get(payment.invoice_id)
            statuses = [status for _pk, status in open_payments.get(payment.invoice_id, ())]
            moved = None
            if invoice is None or invoice["status"] in (Invoice.Status.CANCELLED, Invoice.Status.EXEMPT):
                status = STATUS_LABELS[invoice["status"]] if invoice else "削除"
                moved = NOT_FOUND, f"確認の後に請求({payment.description})が{status}になりました。"
            elif invoice["status"] == Invoice.Status.PAID:
                moved = (
                    ALREADY_PAID,
                    f"確認の後に{payment.description}が入金済になりました({describe_payment(invoice)})。",
                )
            elif invoice["amount"] != payment.amount:
                moved = (
                    MISMATCH,
                    f"確認の後に請求の金額が{invoice['amount']:,}円に変わりました(入金 {payment.amount:,}円)。",
                )
            elif Payment.Status.AWAITING in statuses:
                moved = CVS_AWAITING, f"確認の後に{payment.description}にコンビニ支払待ちの決済ができました。"
            if moved is not None:
                outcome, detail = moved
                report.reclassify(payment.row, MATCHED, outcome, self.cells(plan.table, payment.raw, detail))
                continue
            to_pay.append((payment, invoice))

        plan.payments = [payment for payment, _invoice in to_pay]
        # Queued before the receipt numbers: with database tasks each mail is an INSERT, and the
        # years' receipt counters, once taken, stay locked until the commit.
        mail_note = self.send_paid_mails(plan.payments, report) if plan.payments else None
        now = timezone.now()
        updates = []
        entries = []
        content_type = ContentType.objects.get_for_model(Invoice)
        for payment, invoice in to_pay:
            receipt_number = next_receipt_number(fiscal_year_of(payment.paid_on))
            updates.append(
                {
                    "id": payment.invoice_id,
                    "status": Invoice.Status.PAID,
                    "paid_on": payment.paid_on,
                    "paid_amount": payment.amount,
                    "channel": payment.channel,
                    "receipt_number": receipt_number,
                    "note": merged_note(invoice["note"], payment.note),
                    "updated_at": now,
                }
            )
            entries.append(
                ModelLogEntry(
                    content_type=content_type,
                    object_id=str(payment.invoice_id),
                    label=payment.label,
                    action=PAID_ACTION,
                    data={
                        "channel": payment.channel,
                        "paid_on": payment.paid_on.isoformat(),
                        "amount": payment.amount,
                        "receipt_number": receipt_number,
                        "note": payment.note,
                        "import_job": report.job_id,
                        "row": payment.row,
                    },
                    timestamp=now,
                    uuid=uuid.uuid4(),
                    user_id=report.user_id,
                )
            )
        update_rows(
            Invoice, updates, ["status", "paid_on", "paid_amount", "channel", "receipt_number", "note", "updated_at"]
        )
        started = [
            pk
            for payment, _invoice in to_pay
            for pk, status in open_payments.get(payment.invoice_id, ())
            if status == Payment.Status.STARTED
        ]
        try:
            for chunk in chunks(started):
                Payment.objects.filter(pk__in=chunk, status=Payment.Status.STARTED).update(
                    status=Payment.Status.CANCELLED, updated_at=now
                )
        except DatabaseError as error:  # a payment created after the first locks, and locked since
            raise ImportJobError(BUSY_MESSAGE) from error
        for start in range(0, len(entries), LOG_BATCH):
            ModelLogEntry.objects.bulk_create(entries[start : start + LOG_BATCH])
        self.add_totals(report, plan)
        if mail_note:
            report.notes.append(mail_note)

    def send_paid_mails(self, payments, report):
        """Queue the paid mail of each invoice paid, in this transaction, when staff asked for it.

        Returns the note for the job's result.
        """
        if not report.options.get(SEND_PAID_MAIL):
            return f"入金確認メール: 送っていません(「{MAIL_OPTION.label}」のチェックなし)"
        mailed = [payment for payment in payments if payment.has_email]
        for payment in mailed:
            # With database tasks the task row is written in this transaction (an outbox);
            # otherwise it is sent after the commit. A rollback mails nobody.
            enqueue_with_transaction(send_paid_mail, invoice_id=payment.invoice_id)
        note = f"入金確認メール: {len(mailed):,}件を送ります"
        if len(mailed) < len(payments):
            note += f"(メールアドレスのない会員の {len(payments) - len(mailed):,}件を除く)"
        return note

    def lock_open_payments(self, invoice_ids):
        """Lock the open payment attempts of the invoices first (a notification locks payment, then invoice)."""
        ids = []
        for chunk in chunks(invoice_ids):
            ids.extend(
                Payment.objects.filter(invoice_id__in=chunk, status__in=Payment.OPEN_STATUSES)
                .order_by()
                .values_list("pk", flat=True)
            )
        for chunk in chunks(sorted(ids)):
            list(Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))

    def lock_invoices(self, invoice_ids):
        """Lock the invoices in id order; their current state by id."""
        current = {}
        for chunk in chunks(invoice_ids):
            rows = Invoice.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            for row in rows.values(
                "id", "status", "amount", "note", "paid_on", "paid_amount", "channel", "receipt_number"
            ):
                current[row["id"]] = row
        return current
