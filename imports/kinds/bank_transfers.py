"""Bank-transfer statements (入金明細: ゆうちょ・振込): dues and fees paid outside the gateway.

One row is one payment received: member number, date, amount, and optionally the fiscal
year and category of the invoice it pays, the channel (ゆうちょ or 振込) and a note.
The file is the template, or the statement as the bank delivers it (全銀協 入出金取引明細,
ゆうちょ's 振替 CSV: ``imports.statement_readers``), whose rows name the member by a number in
通信欄 or the payer's kana (``bank_payers``: a row naming nobody, or a name two members share, is 該当なし).

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

Members are found through ``imports.member_lookup`` (``30002`` is member 0030002); a number
differing from a member's only by leading zeros is 該当なし naming that member.

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
- Applying is one transaction (the framework's): the 照合済 rows go, in file order, to
  ``membership.billing.paid_invoices.mark_invoices_paid``, the one owner of the paid-invoice rule.
  It locks the open payments of the matched invoices, then the invoices (the documented order:
  payment before invoice before receipt counter; on PostgreSQL a lock waits at most the
  ``lock_timeout`` that settings.py sets for every connection, ``DB_LOCK_TIMEOUT_MS``) and
  re-checks each one; it marks each invoice paid (status paid, paid_on = 入金日, paid_amount,
  channel yucho / transfer, a receipt number of the fiscal year of 入金日, numbered in file
  order, gapless), voids at the gateway and cancels an open card/store attempt still 手続き中
  (STARTED; rare: the member left the gateway's checkout open), appends the
  row's 備考 to the invoice's note and writes the invoice's history entry (``imports.invoice.paid``,
  with the job number, the row and who confirmed it). An invoice that was paid, exempted,
  cancelled, re-priced or got a store payment waiting in between moves to the matching class in
  the result instead of being paid twice; one whose attempt the gateway would not void (paid at
  the gateway, store numbers issued, or the gateway not reachable: the staff's own rule,
  ``attempts.close_at_gateway``) moves to オンライン決済確認中 with the reason, and stays unpaid
  (the gateway's notification pays it, or staff record it later). If the locks cannot be had within that time, nothing
  is recorded and staff are asked to try again.
- Mails: the confirm step has a checkbox 「入金確認メールを会員に送る」, checked by default (a
  confirm option, stored on the job). When it is on, every invoice paid by the import gets the
  same mail as a card or store payment (the paid-invoice rule's), queued with
  ``core.outbox`` inside the import's transaction: a rolled-back import mails nobody, and
  rows that change nothing (入金済, so also a statement imported again) mail nobody either.
  Members without an e-mail address are left out (the preview counts them). Staff uncheck the
  box when migrating old statements; the import is then bookkeeping only, like
  ``record_manual_payment(notify=False)`` for one invoice.

Speed: the members, their invoices (unpaid ones, and paid ones of the file's years and
dates) and the waiting store payments are loaded in a few queries for the whole file;
matching runs in Python. The membership service locks in chunks and writes the invoices and
their history in bulk.
"""

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from membership.billing import paid_invoices as paid_rule
from membership.billing.paid_invoices import ReceivedPayment
from membership.models import Member

from .. import name_check
from ..member_lookup import MemberLookup, probable_text
from ..name_check import NameColumns
from ..registry import ConfirmOption, ImportKind, register
from ..report import ERROR, UNCHANGED, UPDATED, Outcome
from ..services import ImportJobError
from ..statement_readers import ACCEPTED, MESSAGE, NOT_RECOGNISED, PAYER, read_statement
from .bank_payers import identify_payers
from .bank_transfer_matching import (
    ALREADY_PAID,
    AT_GATEWAY,
    CHANNEL_LABELS,
    CVS_AWAITING,
    MATCHED,
    MISMATCH,
    NOT_FOUND,
    STATUS_LABELS,
    BankTransferPlan,
    PlannedPayment,
    awaiting_store_payments,
    describe,
    describe_payment,
    load_invoices,
    match,
)
from .bank_transfer_resource import BankTransferResource
from .bank_transfer_undo import BankTransferUndo

OUTCOMES = (
    Outcome(MATCHED, "照合済", UPDATED),
    Outcome(NOT_FOUND, "該当なし", UNCHANGED),
    Outcome(ALREADY_PAID, "入金済", UNCHANGED),
    Outcome(MISMATCH, "金額不一致", UNCHANGED),
    Outcome(CVS_AWAITING, "コンビニ支払待ちあり", UNCHANGED),
    Outcome(AT_GATEWAY, "オンライン決済確認中", UNCHANGED),
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
BUSY_MESSAGE = (
    "他の処理(オンライン決済や入金の記録)が同じ請求を更新中のため、取り込めませんでした。何も変更していません。"
    "少し待ってから、もう一度アップロードしてやり直してください。"
)


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


@register
class BankTransferImport(BankTransferUndo, ImportKind):
    key = "bank_transfers"
    label = "入金明細(ゆうちょ・振込)"
    order = 30
    resource_class = BankTransferResource
    outcomes = OUTCOMES
    summary_outcomes = (MATCHED, ALREADY_PAID, NOT_FOUND, MISMATCH, CVS_AWAITING)
    reimport_note = "記録済みの入金は「入金済」になり、もう一度取り込んでも何も変わりません。"
    description = (
        "ゆうちょ(払込・振替)や銀行振込の入金明細から、会員の未納の請求(会費・更新料・参加費)に入金を記録します。"
        "銀行・ゆうちょから受け取った明細ファイルをそのまま、またはテンプレートに並べた表をアップロードできます(形式は自動で判別します)。"
        "1行が1件の入金です。会員番号・年度・請求区分で請求を探し、金額が一致した請求(照合済)を入金済にします。"
    )
    notes = (
        "テンプレートの場合: 1行目に見出し(テンプレートと同じ列名)、2行目から1行に1件の入金を入れてください。列の順番は自由です。"
        "テンプレートにない列は読み飛ばします。",
        "全銀協の入出金取引明細とゆうちょの振替受払明細は、そのままアップロードしてください。入金の明細だけを読み"
        "(出金・払出は読み飛ばします)、会員は通信欄(振込依頼人名の前)の会員番号、なければ振込依頼人名(カナ)とフリガナで探します。"
        "同じフリガナの会員が2人以上いる名前は自動では照合せず「該当なし」にします。通信欄に「2025年度」「更新料」などがあれば年度・請求区分として読みます。",
        "CSV は UTF-8(BOM 付きでも可)か Shift_JIS(Excel の「CSV(コンマ区切り)」)、または Excel ブック(.xlsx)の最初のシート。",
        "年度を入れた行はその年度の請求と、年度が空欄の行はその請求区分の未納の請求のうち金額が一致する最も古い年度の請求と照合します。",
        "照合済: 入金済にします(入金日・金額・入金種別を記録し、入金日の年度の領収書番号を付けます。手続き中のオンライン決済は決済会社で取り消します)。"
        "決済会社でお支払いが完了していたなど取り消せなかった請求は、入金済にせず「オンライン決済確認中」に理由とともに表示します。",
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
    extra_columns = (*name_check.HEADINGS, PAYER, MESSAGE)
    accepted_formats = ACCEPTED
    paid_action = PAID_ACTION  # the history entries the undo reads back
    detail_column = DETAIL_COLUMN
    preview_columns = ("会員番号", "入金日", "金額", "年度", "請求区分", "入金種別")

    # --- reading ---------------------------------------------------------------------------
    def read_file(self, data, file_name=""):
        """全銀協 入出金取引明細, ゆうちょ's CSV or the template, told apart by their contents."""
        return read_statement(data, file_name)

    def check_headers(self, headers):
        message = super().check_headers(headers)
        if message and not {"会員番号", "入金日", "金額"} & set(headers):
            shown = "、".join(header for header in headers[:5] if header)
            return f"{NOT_RECOGNISED}(このファイルの1行目: {shown or '空'})"
        return message

    # --- validation ------------------------------------------------------------------------
    def validate(self, table, report, progress=None):
        today = timezone.localdate()
        payers = identify_payers(table)  # statements: the member from 通信欄 or the payer's name
        rows = []
        numbers = set()
        for number, values, errors, raw in self.clean_rows(table, report, progress):
            if number in payers.unknown:
                errors[:] = [error for error in errors if error[0] != "会員番号"]
            paid_on = values.get("paid_on")
            if paid_on and paid_on > today:
                errors.append(("入金日", "入金日が今日より後の日付です。"))
            if values.get("member_number"):
                numbers.add(values["member_number"])
            rows.append((number, values, errors, raw))

        names = NameColumns(table.headers)
        lookup = MemberLookup(
            numbers,
            queryset=Member.objects.all(),
            columns=["id", "user__email", *(name_check.MEMBER_COLUMNS if names else ())],
        )
        members = {number: row["id"] for number, row in lookup.found.items()}
        with_email = {row["id"] for row in lookup.found.values() if row["user__email"]}
        ledger = load_invoices(members.values(), rows)
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
            if number in payers.unknown:
                matches.append((number, NOT_FOUND, None, payers.unknown[number], values, errors, raw))
                continue
            member_id = members.get(values["member_number"])
            if member_id is None:
                detail = f"会員番号 {values['member_number']} の会員がいません。"
                probable = lookup.probably(values["member_number"])
                if probable is not None:
                    detail += f"先頭の0だけが違う会員 {probable_text(probable)}がいます。会員番号を確認してください。"
                elif isinstance(raw[number_column], (int, float)):
                    detail += "Excel で数値として保存すると先頭の0が消えます。列を「文字列」にしてください。"
                matches.append((number, NOT_FOUND, None, detail, values, errors, raw))
                continue
            if names:
                for column, message in names.check(raw, lookup.get(values["member_number"])):
                    report.add_warning(number, column, message)
            outcome, invoice, detail = match(values, ledger.get(member_id, ()))
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

        awaiting = awaiting_store_payments([m[2]["id"] for m in matches if m[1] == MATCHED])
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
            detail = payers.explain(number, detail)
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
        plan.notes.extend(getattr(table, "notes", ()))
        if lookup.note():
            plan.notes.append(lookup.note())
        if payers.by_name:
            plan.notes.append(
                f"会員番号がなく{payers.label}名で会員を探した行が {payers.by_name:,}件あります(照合結果に表示)。"
            )
        self.add_totals(report, plan)
        without_email = sum(1 for payment in plan.payments if not payment.has_email)
        if without_email:
            report.notes.append(
                f"照合済のうち {without_email:,}件はメールアドレスのない会員の請求です(入金確認メールは送れません)。"
            )
        return plan

    def add_totals(self, report, plan):
        matched = sum(payment.amount for payment in plan.payments)
        report.notes = [
            f"照合済 {len(plan.payments):,}件の入金額の合計: {matched:,}円",
            f"ファイルの金額の合計(エラーの行を除く): {plan.file_total:,}円",
            *plan.notes,
        ]

    # --- writing ---------------------------------------------------------------------------
    def write(self, plan, report):
        if not plan.payments:
            return
        mail = bool(report.options.get(SEND_PAID_MAIL))
        received = [
            ReceivedPayment(
                invoice_id=payment.invoice_id,
                paid_on=payment.paid_on,
                amount=payment.amount,
                channel=payment.channel,
                label=payment.label,
                note=payment.note,
                log_data={"import_job": report.job_id, "row": payment.row},
            )
            for payment in plan.payments
        ]
        user = get_user_model().objects.filter(pk=report.user_id).first() if report.user_id else None
        try:
            # A lock that cannot be had within the connection's lock_timeout (settings.py,
            # DB_LOCK_TIMEOUT_MS) fails with a DatabaseError: nothing is recorded.
            done = paid_rule.mark_invoices_paid(payments=received, user=user, notify=mail, action=PAID_ACTION)
        except DatabaseError as error:
            raise ImportJobError(BUSY_MESSAGE) from error
        for payment in plan.payments:
            if payment.invoice_id in done.refused:
                outcome, detail = self.moved(payment, *done.refused[payment.invoice_id], done.reasons)
                report.reclassify(payment.row, MATCHED, outcome, self.cells(plan.table, payment.raw, detail))
        plan.payments = [payment for payment in plan.payments if payment.invoice_id not in done.refused]
        self.add_totals(report, plan)
        if not plan.payments:
            return
        if not mail:
            report.notes.append(f"入金確認メール: 送っていません(「{MAIL_OPTION.label}」のチェックなし)")
            return
        note = f"入金確認メール: {done.mailed:,}件を送ります"
        if done.without_email:
            note += f"(メールアドレスのない会員の {done.without_email:,}件を除く)"
        report.notes.append(note)

    def moved(self, payment, refusal, invoice, reasons):
        """(outcome, reason) of a row whose invoice changed between the validation and the locks,
        or whose attempt at the checkout the gateway would not void (``reasons``)."""
        if refusal == paid_rule.AT_GATEWAY:
            return AT_GATEWAY, f"{payment.description}のオンライン決済: {reasons[payment.invoice_id]}"
        if refusal in (paid_rule.GONE, paid_rule.CLOSED):
            status = STATUS_LABELS[invoice["status"]] if invoice else "削除"
            return NOT_FOUND, f"確認の後に請求({payment.description})が{status}になりました。"
        if refusal == paid_rule.ALREADY_PAID:
            return ALREADY_PAID, f"確認の後に{payment.description}が入金済になりました({describe_payment(invoice)})。"
        if refusal == paid_rule.OTHER_AMOUNT:
            return (
                MISMATCH,
                f"確認の後に請求の金額が{invoice['amount']:,}円に変わりました(入金 {payment.amount:,}円)。",
            )
        return CVS_AWAITING, f"確認の後に{payment.description}にコンビニ支払待ちの決済ができました。"
