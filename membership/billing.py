"""Services for money: invoices, payment attempts, gateway notifications, receipt numbers.

Each function runs in a transaction, locks the rows it changes (payment before invoice before
receipt counter, always in that order), re-checks their state, and queues mails so that they
exist exactly when the transaction commits (``config.tasks.enqueue_with_transaction``). Views and
admin actions call these; they never write money rows.
"""

import datetime
import itertools
import logging
import secrets
import string
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from core import japanese
from core.dates import fiscal_year_of
from core.errors import DomainError
from core.outbox import enqueue_with_transaction, send_plain_mail

from . import gateway
from .models import DuesRule, DuesRun, GatewayNotification, Invoice, Member, Payment, ReceiptCounter

logger = logging.getLogger(__name__)

PAID_STATUSES = {"CAPTURE", "SALES", "PAYSUCCESS"}
CLOSED_STATUSES = {
    "EXPIRED": Payment.Status.EXPIRED,
    "CANCEL": Payment.Status.CANCELLED,
    "PAYFAIL": Payment.Status.FAILED,
    "VOID": Payment.Status.CANCELLED,
    # Refunds: on a paid attempt these are flagged for staff (a paid invoice never un-pays).
    "RETURN": Payment.Status.CANCELLED,
    "RETURNX": Payment.Status.CANCELLED,
}
CHANNEL_OF_METHOD = {Payment.Method.CARD: Invoice.Channel.CARD, Payment.Method.CVS: Invoice.Channel.CVS}
CVS_AMOUNT_LIMIT = 300_000


class BillingError(DomainError):
    """An operation the member or staff asked for cannot be done; the message says why (Japanese)."""


# --- starting a payment --------------------------------------------------------------------


def _new_order_id(invoice):
    """Unique per shop for ever, at most 27 characters of [A-Za-z0-9-]: D2026-0000123-7KQ3."""
    prefix = {"dues": "D", "renewal_fee": "R", "seminar_fee": "S"}.get(invoice.category, "X")
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(4))
    return f"{prefix}{invoice.fiscal_year}-{invoice.pk:07d}-{suffix}"


@transaction.atomic
def start_payment(*, member, invoice_id, method):
    """決定 (guide 4 ③): create the payment attempt and fix its method.

    At most one open attempt per invoice: if one exists it is returned unchanged, whatever
    method was asked for now, since the method of an attempt cannot change after 決定.
    """
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id, member=member).first()
    if invoice is None:
        raise BillingError("請求が見つかりません。")
    if invoice.status != Invoice.Status.UNPAID:
        raise BillingError("この請求はお支払いの必要がありません。")
    problem = japanese.payment_name_problem(member)
    if problem:
        raise BillingError(problem)
    open_payment = invoice.payments.filter(status__in=Payment.OPEN_STATUSES).first()
    if open_payment is not None:
        return open_payment
    if method not in Payment.Method.values:
        raise BillingError("お支払方法を選択してください。")
    if method == Payment.Method.CVS and invoice.amount > CVS_AMOUNT_LIMIT:
        raise BillingError("30万円を超えるお支払いはコンビニ決済をご利用いただけません。")
    return Payment.objects.create(
        invoice=invoice, method=method, order_id=_new_order_id(invoice), amount=invoice.amount
    )


def checkout_url(payment, *, member):
    """④ GMO お支払い手続きページ: where the member's browser goes for an open attempt."""
    invoice = payment.invoice
    return_path = reverse("member:payment_return", kwargs={"order_id": payment.order_id})
    return gateway.checkout_url(
        order_id=payment.order_id,
        amount=payment.amount,
        method=payment.method,
        overview=f"{invoice.fiscal_year}年度 {invoice.get_category_display()}",
        return_url=f"{settings.SITE_URL}{return_path}",
        cancel_url=f"{settings.SITE_URL}{reverse('member:dues')}",
        customer_name=member.alternate_name or member.full_name,
        email=member.user.email,
        phone=member.mobile or member.phone,
    )


# --- result notifications ------------------------------------------------------------------


def receive_notification(body):
    """Store, check, confirm and apply one result notification. Returns True to acknowledge.

    The raw body is committed first, whatever follows. The notification carries no signature,
    so it only triggers a trade-status query; what the gateway answers there is applied. False
    (not acknowledged, the gateway sends again later) when the query or the lock fails.

    This runs for every notification the gateway sends, so its statements are written as plain
    SQL (see ``_store_notification``, ``_lock_payment``); the rare outcomes use the ORM.
    """
    parsed = gateway.parse_notification(body)
    record, payment = _store_notification(body, parsed)

    if not gateway.shop_id_matches(parsed.shop_id):
        return _finish(record, GatewayNotification.Outcome.FLAGGED, f"ショップIDが一致しません({parsed.shop_id})")
    if payment is None:
        return _finish(record, GatewayNotification.Outcome.FLAGGED, "該当する決済がありません(不明なオーダーID)")
    try:
        trade = gateway.search_trade(order_id=payment.order_id, method=payment.method)
    except gateway.GatewayError as error:
        logger.warning("notification %s: %s", record.pk, error)
        _finish(record, GatewayNotification.Outcome.RETRY, f"取引状態の照会に失敗しました: {error}"[:300])
        return False
    try:
        with transaction.atomic():
            outcome, detail, *last_step = _apply_trade(payment_id=payment.pk, trade=trade, notified=parsed)
            # The outcome is stored in the same transaction as its effect (and, when paying, in
            # the same statement: see _mark_invoice_paid).
            finish = _finish_statement(record, outcome, detail)
            if last_step:
                (mark_paid,) = last_step
                mark_paid(also=[finish])
            else:
                _sql(*finish)
            return True
    except DatabaseError as error:  # lock timeout or deadlock: let the gateway send it again
        logger.warning("notification %s: could not lock payment %s: %s", record.pk, payment.pk, error)
        _finish(record, GatewayNotification.Outcome.RETRY, "決済データを更新できませんでした(再送待ち)")
        return False


def _sql(statement, params=()):
    """Run one statement on the default connection; the first row it returns, if any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _store_notification(body, parsed):
    """Commit the notification as received, with the attempt it names: ``(record, payment)``.

    Autocommit, so that it stays whatever follows. One statement also finds the attempt (its
    id and method, or None for an unknown order id).
    """
    notifications, payments = _table(GatewayNotification), _table(Payment)
    pk, payment_id, method = _sql(
        f"INSERT INTO {notifications} (received_at, body, order_id, status, payment_id, outcome, detail, "
        f"resolved_by) VALUES (%s, %s, %s, %s, (SELECT id FROM {payments} WHERE order_id = %s), %s, '', '') "
        f"RETURNING id, payment_id, (SELECT method FROM {payments} WHERE id = {notifications}.payment_id)",
        [_now(), body, parsed.order_id[:64], parsed.status[:20], parsed.order_id, GatewayNotification.Outcome.RECEIVED],
    )  # fmt: skip
    payment = None if payment_id is None else Payment(pk=payment_id, order_id=parsed.order_id, method=method)
    return GatewayNotification(pk=pk, payment=payment), payment


NOTHING_NOTIFIED = gateway.Notification(
    shop_id="", order_id="", status="", amount=None, tax=None, pay_type="", err_code="", err_info="", fields={}
)


def reconcile_payment(*, payment_id):
    """Ask the gateway about an open attempt and apply its answer, as a notification would.

    For attempts whose notifications were lost (our server down for longer than the gateway
    retries): run for open attempts by ``manage.py reconcile_payments`` and on demand.
    Returns the outcome label; raises GatewayError when the gateway cannot be asked.
    """
    payment = Payment.objects.only("order_id", "method").get(pk=payment_id)
    try:
        trade = gateway.search_trade(order_id=payment.order_id, method=payment.method)
    except gateway.UnknownOrder:
        return "no_trade"
    with transaction.atomic():
        outcome, _detail, *last_step = _apply_trade(payment_id=payment.pk, trade=trade, notified=NOTHING_NOTIFIED)
        for step in last_step:
            step()
    return outcome


@transaction.atomic
def cancel_payment(*, member, order_id):
    """The member leaves an attempt still at the checkout, to choose again (guide 4 ③).

    The gateway is asked first: if the money was taken after all, the attempt is paid instead.
    A convenience-store attempt with numbers issued cannot be cancelled here (it may still be
    paid at the store until its deadline).
    """
    payment = Payment.objects.filter(order_id=order_id, invoice__member=member).only("order_id", "method").first()
    if payment is None:
        raise BillingError("お支払い手続きが見つかりません。")
    try:
        trade = gateway.search_trade(order_id=payment.order_id, method=payment.method)
    except gateway.UnknownOrder:
        trade = None
    except gateway.GatewayError as error:
        raise BillingError("決済会社に状態を確認できませんでした。しばらくしてからもう一度お試しください。") from error
    if trade is not None and trade.status != "UNPROCESSED":
        _outcome, _detail, *last_step = _apply_trade(payment_id=payment.pk, trade=trade, notified=NOTHING_NOTIFIED)
        for step in last_step:
            step()
        payment.refresh_from_db()
        if payment.status == Payment.Status.AWAITING:
            raise BillingError(
                "コンビニ払込番号が発行済みのため取り消せません。お支払期限を過ぎると、新しくお手続きできます。"
            )
        return payment
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status == Payment.Status.STARTED:
        locked.status = Payment.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def _finish_statement(record, outcome, detail=""):
    """The statement storing what became of a notification: ``(sql, params)``."""
    return (
        f"UPDATE {_table(GatewayNotification)} SET outcome = %s, detail = %s, processed_at = %s WHERE id = %s",
        [outcome, detail[:300], _now(), record.pk],
    )


def _finish(record, outcome, detail=""):
    _sql(*_finish_statement(record, outcome, detail))
    return True


def _lock_payment(payment_id):
    """Lock an attempt and its invoice in one statement (payment, then invoice: the lock order).

    Returns the attempt, with its invoice, as model instances holding only the columns a
    notification reads.
    """
    payments, invoices = _table(Payment), _table(Invoice)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    row = _sql(
        f"SELECT p.status, p.amount, p.method, p.access_id, i.id, i.status, i.amount "
        f"FROM {payments} p INNER JOIN {invoices} i ON i.id = p.invoice_id WHERE p.id = %s{lock}",
        [payment_id],
    )
    if row is None:
        raise Payment.DoesNotExist(payment_id)
    invoice = Invoice(pk=row[4], status=row[5], amount=row[6])
    return Payment(pk=payment_id, invoice=invoice, status=row[0], amount=row[1], method=row[2], access_id=row[3])


def _apply_trade(*, payment_id, trade, notified):
    """Move the payment (and its invoice) to what the gateway reports, under row locks.

    Runs inside the caller's transaction (receive_notification), which also stores the outcome.
    Returns ``(outcome, detail)``, or ``(outcome, detail, last_step)`` when the attempt and its
    invoice are to be marked paid: the caller runs ``last_step(also=[...])`` just before
    committing, with any statements of its own to run with it.
    """
    # (PostgreSQL's lock_timeout, set for every connection in settings, bounds the wait.)
    payment = _lock_payment(payment_id)
    invoice = payment.invoice
    Outcome = GatewayNotification.Outcome

    if trade.amount != payment.amount or trade.amount != invoice.amount:
        return Outcome.FLAGGED, f"金額が一致しません(照会結果 {trade.amount}円 / 請求 {invoice.amount}円)"

    if trade.status in PAID_STATUSES:
        if payment.status == Payment.Status.PAID:
            return Outcome.NO_CHANGE, "支払済として反映済みです"
        paid_at = trade.process_date or timezone.now()
        pay_attempt = (
            f"UPDATE {_table(Payment)} SET status = %s, paid_at = %s, access_id = %s, updated_at = %s WHERE id = %s",
            [Payment.Status.PAID, connection.ops.adapt_datetimefield_value(paid_at),
             trade.access_id or payment.access_id, _now(), payment.pk],
        )  # fmt: skip
        close_others = _close_other_started_attempts(invoice_id=invoice.pk, paid_payment_id=payment.pk)
        if invoice.status != Invoice.Status.UNPAID:
            _sql(*pay_attempt)
            return Outcome.FLAGGED, f"請求はすでに{invoice.get_status_display()}です。二重入金の可能性があります"
        paid = {
            "paid_on": timezone.localdate(paid_at),
            "amount": trade.amount,
            "channel": CHANNEL_OF_METHOD[payment.method],
        }
        enqueue_with_transaction(send_paid_mail, invoice_id=invoice.pk)
        # Numbered last, so that the year's receipt counter stays locked only until the commit.
        return (
            Outcome.APPLIED,
            "支払済にしました",
            lambda also=(): _mark_invoice_paid(invoice, **paid, also=[pay_attempt, close_others, *also]),
        )

    if notified.status in PAID_STATUSES:
        return Outcome.FLAGGED, f"通知は{notified.status}ですが、照会結果は{trade.status}です(入金として扱いません)"

    if trade.status == "REQSUCCESS":
        if payment.status != Payment.Status.STARTED:
            return Outcome.NO_CHANGE, f"状態は{payment.get_status_display()}のままです"
        payment.status = Payment.Status.AWAITING
        payment.cvs_code = trade.cvs_code
        payment.cvs_conf_no = trade.cvs_conf_no
        payment.cvs_receipt_no = trade.cvs_receipt_no
        payment.payment_term = trade.payment_term
        payment.access_id = trade.access_id or payment.access_id
        payment.save(
            update_fields=[
                "status",
                "cvs_code",
                "cvs_conf_no",
                "cvs_receipt_no",
                "payment_term",
                "access_id",
                "updated_at",
            ]
        )
        enqueue_with_transaction(send_cvs_numbers_mail, payment_id=payment.pk)
        return Outcome.APPLIED, "コンビニ支払待ちにしました"

    if trade.status in CLOSED_STATUSES:
        if payment.status == Payment.Status.PAID:
            return Outcome.FLAGGED, f"支払済の決済に{trade.status}が届きました(支払済のままです)"
        if not payment.is_open:
            return Outcome.NO_CHANGE, f"状態は{payment.get_status_display()}のままです"
        payment.status = CLOSED_STATUSES[trade.status]
        payment.save(update_fields=["status", "updated_at"])
        return Outcome.APPLIED, f"{payment.get_status_display()}にしました"

    if trade.status == "UNPROCESSED" and notified.err_code and payment.status == Payment.Status.STARTED:
        # The error comes from the unsigned notification: shown to the member, but the attempt
        # stays open; the member may cancel it, which asks the gateway first (cancel_payment).
        payment.error_code = notified.err_code[:100]
        payment.error_info = notified.err_info[:200]
        payment.save(update_fields=["error_code", "error_info", "updated_at"])
        return Outcome.APPLIED, f"決済エラーを記録しました({notified.err_code})"

    return Outcome.NO_CHANGE, f"照会結果 {trade.status}: 変更なし"


def _close_other_started_attempts(*, invoice_id, paid_payment_id):
    """The statement that closes the invoice's other attempts still at the checkout: ``(sql, params)``.

    The invoice is being paid, so nobody may pay it twice. Rows another transaction holds (its
    own notification is being applied) are skipped rather than waited for, which keeps the lock
    order; that notification then flags a double payment. It runs as part of the statement that
    marks the invoice paid, so that it sees every attempt committed before the invoice was locked.
    """
    payments = _table(Payment)
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    return (
        f"UPDATE {payments} SET status = %s, updated_at = %s WHERE id IN (SELECT id FROM {payments} "
        f"WHERE invoice_id = %s AND status = %s AND id <> %s{skip_locked})",
        [Payment.Status.CANCELLED, _now(), invoice_id, Payment.Status.STARTED, paid_payment_id],
    )


def _mark_invoice_paid(invoice, *, paid_on, amount, channel, also=()):
    """Paid: date, channel and amount, and a receipt number, in the caller's transaction.

    ``also``: further ``(sql, params)`` statements (UPDATEs) of the same change, such as the
    paid attempt. The year's receipt counter stays locked from here until the commit and so
    serialises all payments; on PostgreSQL one statement runs them all (as data-modifying WITH
    parts), numbers and marks the invoice, so that the lock is held for that statement and the
    commit only, and a payment costs one round trip fewer per statement.
    """
    fiscal_year = fiscal_year_of(paid_on)
    values = [
        Invoice.Status.PAID, connection.ops.adapt_datefield_value(paid_on), amount, channel,
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]  # fmt: skip
    invoices = _table(Invoice)
    if connection.vendor == "postgresql":
        parts = "".join(f"s{index} AS ({sql}), " for index, (sql, _params) in enumerate(also))
        (invoice.receipt_number,) = _sql(
            f"WITH {parts}counter AS ({_NEXT_RECEIPT_NUMBER}) UPDATE {invoices} SET status = %s, paid_on = %s, "
            "paid_amount = %s, channel = %s, updated_at = %s, "
            "receipt_number = %s || '-' || lpad(counter.n::text, greatest(6, length(counter.n::text)), '0') "
            f"FROM counter WHERE {invoices}.id = %s RETURNING receipt_number",
            [*(param for _sql_text, params in also for param in params), fiscal_year, *values, str(fiscal_year),
             invoice.pk],
        )  # fmt: skip
    else:
        for statement in also:
            _sql(*statement)
        receipt_number = next_receipt_number(fiscal_year)
        _sql(
            f"UPDATE {invoices} SET status = %s, paid_on = %s, paid_amount = %s, channel = %s, updated_at = %s, "
            "receipt_number = %s WHERE id = %s",
            [*values, receipt_number, invoice.pk],
        )
        invoice.receipt_number = receipt_number
    invoice.status, invoice.paid_on, invoice.paid_amount, invoice.channel = (Invoice.Status.PAID, paid_on, amount, channel)  # fmt: skip


# Create the year's counter or lock and increment it, in one statement (PostgreSQL, and
# SQLite 3.35+, both know ON CONFLICT … RETURNING).
_NEXT_RECEIPT_NUMBER = (
    f"INSERT INTO {ReceiptCounter._meta.db_table} (fiscal_year, last_number) VALUES (%s, 1) "
    f"ON CONFLICT (fiscal_year) DO UPDATE SET last_number = {ReceiptCounter._meta.db_table}.last_number + 1 "
    "RETURNING last_number AS n"
)


def next_receipt_number(fiscal_year):
    """The next receipt number of a fiscal year, e.g. ``2024-000123``: unique and gapless.

    Must run inside the paying transaction: the counter row stays locked until it commits,
    and a rollback gives the number back.
    """
    (number,) = _sql(_NEXT_RECEIPT_NUMBER, [fiscal_year])
    return f"{fiscal_year}-{number:06d}"


# --- staff actions -------------------------------------------------------------------------


def _lock_invoice_and_open_payments(invoice_id):
    """Lock in the documented order, payments before their invoice, as notifications do."""
    list(
        Payment.objects.select_for_update()
        .filter(invoice_id=invoice_id, status__in=Payment.OPEN_STATUSES)
        .order_by("pk")
    )
    return Invoice.objects.select_for_update().get(pk=invoice_id)


@transaction.atomic
def record_manual_payment(*, invoice_id, channel, paid_on, amount=None, note="", notify=True):
    """窓口 / 振込 / ゆうちょ: staff record money received outside the gateway.

    ``notify=False`` records without mailing the member (migrating old records, demo data).
    """
    invoice = _lock_invoice_and_open_payments(invoice_id)
    if invoice.status != Invoice.Status.UNPAID:
        raise BillingError(f"この請求は{invoice.get_status_display()}です。入金を記録できません。")
    if channel not in {Invoice.Channel.COUNTER, Invoice.Channel.TRANSFER, Invoice.Channel.YUCHO}:
        raise BillingError("入金種別は窓口・振込・ゆうちょから選んでください。")
    if invoice.payments.filter(status=Payment.Status.AWAITING).exists():
        raise BillingError("コンビニ支払待ちの決済があります。先に事務局でその決済を取り消してください。")
    invoice.payments.filter(status=Payment.Status.STARTED).update(
        status=Payment.Status.CANCELLED, updated_at=timezone.now()
    )
    if note:
        invoice.note = note[:200]
        invoice.save(update_fields=["note"])
    if notify:  # queued before the receipt counter is locked (an INSERT with database tasks)
        enqueue_with_transaction(send_paid_mail, invoice_id=invoice.pk)
    _mark_invoice_paid(invoice, paid_on=paid_on, amount=invoice.amount if amount is None else amount, channel=channel)
    return invoice


@transaction.atomic
def close_invoice(*, invoice_id, status, reason):
    """免除 (exempt) or 取消 (cancel) an unpaid invoice, with a reason. Paid ones never change here."""
    if status not in (Invoice.Status.EXEMPT, Invoice.Status.CANCELLED):
        raise BillingError("免除または取消を選んでください。")
    if not (reason or "").strip():
        raise BillingError("理由を入力してください。")
    invoice = _lock_invoice_and_open_payments(invoice_id)
    if invoice.status != Invoice.Status.UNPAID:
        raise BillingError(f"この請求は{invoice.get_status_display()}です。変更できません。")
    if invoice.payments.filter(status=Payment.Status.AWAITING).exists():
        raise BillingError("コンビニ支払待ちの決済があります。先にその決済の期限切れ・取消を確認してください。")
    invoice.payments.filter(status=Payment.Status.STARTED).update(
        status=Payment.Status.CANCELLED, updated_at=timezone.now()
    )
    invoice.status = status
    invoice.status_reason = reason.strip()[:200]
    invoice.save(update_fields=["status", "status_reason", "updated_at"])
    return invoice


def create_invoice(*, member, category, fiscal_year, subject, amount, purpose=""):
    """Bill one thing once (seminar fees and renewal fees call this). Returns the live invoice."""
    try:
        with transaction.atomic():
            return Invoice.objects.create(
                member=member,
                category=category,
                fiscal_year=fiscal_year,
                subject=subject,
                amount=amount,
                purpose=purpose,
                member_status_at_billing=member.status,
            )
    except IntegrityError:
        return Invoice.objects.exclude(status=Invoice.Status.CANCELLED).get(member=member, subject=subject)


def dues_subject(fiscal_year):
    return f"dues:{fiscal_year}"


@dataclass
class DuesRoll:
    """What billing a fiscal year's dues would do (the preview) or did."""

    fiscal_year: int
    to_bill: list = field(default_factory=list)  # (member_id, amount, member_status)
    skipped: dict = field(default_factory=dict)  # reason -> count
    skipped_examples: dict = field(default_factory=dict)  # reason -> a few member numbers
    created: int = 0

    @property
    def count(self):
        return len(self.to_bill)

    @property
    def total_yen(self):
        return sum(amount for _, amount, _ in self.to_bill)


def plan_dues(*, fiscal_year):
    """Preview: who would be billed how much for ``fiscal_year``, and who is skipped and why."""
    rules = dict(DuesRule.objects.filter(fiscal_year=fiscal_year).values_list("member_status", "amount"))
    billed = set(
        Invoice.objects.filter(subject=dues_subject(fiscal_year))
        .exclude(status=Invoice.Status.CANCELLED)
        .values_list("member_id", flat=True)
    )
    year_end = datetime.date(fiscal_year + 1, 3, 31)
    roll = DuesRoll(fiscal_year=fiscal_year)
    members = Member.objects.values_list("pk", "member_number", "status", "joined_on").order_by("member_number")
    for pk, number, status, joined_on in members.iterator(chunk_size=5000):
        if pk in billed:
            reason = "請求済"
        elif status not in rules:
            reason = f"{Member.Status(status).label}(会費設定なし)"
        elif joined_on and joined_on > year_end:
            reason = "年度末より後の入会"
        else:
            roll.to_bill.append((pk, rules[status], status))
            continue
        roll.skipped[reason] = roll.skipped.get(reason, 0) + 1
        examples = roll.skipped_examples.setdefault(reason, [])
        if len(examples) < 5:
            examples.append(number)
    return roll


def generate_dues(*, fiscal_year, batch_size=2000, progress=None):
    """Bill ``fiscal_year``'s dues to everyone who owes them. Idempotent: nobody is billed twice.

    The unique (member, subject) constraint makes a repeated, concurrent or interrupted run
    harmless, so each batch commits on its own and ``progress(done, total)`` (if given) can
    report between batches; ``created`` counts only the rows this run inserted.
    """
    roll = plan_dues(fiscal_year=fiscal_year)
    subject = dues_subject(fiscal_year)
    before = Invoice.objects.filter(subject=subject).count()
    for start in range(0, len(roll.to_bill), batch_size):
        batch = roll.to_bill[start : start + batch_size]
        with transaction.atomic():
            Invoice.objects.bulk_create(
                [
                    Invoice(
                        member_id=member_id,
                        category=Invoice.Category.DUES,
                        fiscal_year=fiscal_year,
                        subject=subject,
                        amount=amount,
                        member_status_at_billing=status,
                    )
                    for member_id, amount, status in batch
                ],
                ignore_conflicts=True,
            )
        if progress is not None:
            progress(start + len(batch), len(roll.to_bill))
    roll.created = Invoice.objects.filter(subject=subject).count() - before
    return roll


def run_dues_generation(*, run_id):
    """The background side of 会費の一括請求: bill, reporting progress on the DuesRun row."""
    run = DuesRun.objects.get(pk=run_id)
    DuesRun.objects.filter(pk=run_id).update(state=DuesRun.State.RUNNING)

    def progress(done, total):
        DuesRun.objects.filter(pk=run_id).update(done=done, total=total)

    try:
        roll = generate_dues(fiscal_year=run.fiscal_year, progress=progress)
    except Exception as error:
        DuesRun.objects.filter(pk=run_id).update(
            state=DuesRun.State.FAILED, error=str(error)[:300], finished_at=timezone.now()
        )
        raise
    DuesRun.objects.filter(pk=run_id).update(
        state=DuesRun.State.DONE, done=roll.count, total=roll.count, created=roll.created,
        total_yen=roll.total_yen, finished_at=timezone.now(),
    )  # fmt: skip
    return roll


# --- mails (background tasks: they get primary keys and re-read their rows) ---------------


@task()
def send_paid_mail(*, invoice_id):
    invoice = Invoice.objects.select_related("member__user").get(pk=invoice_id)
    email = invoice.member.user.email
    if not email:
        return
    body = render_to_string(
        "membership/mail/paid.txt",
        {
            "invoice": invoice,
            "member": invoice.member,
            "receipt_url": f"{settings.SITE_URL}{reverse('member:receipt', kwargs={'invoice_id': invoice.pk})}",
            "dues_url": f"{settings.SITE_URL}{reverse('member:dues')}",
        },
    )
    send_mail(
        subject="【日本消化器内視鏡技師会】お支払いを確認しました",
        message=body,
        from_email=None,
        recipient_list=[email],
    )


@task()
def send_cvs_numbers_mail(*, payment_id):
    payment = Payment.objects.select_related("invoice__member__user").get(pk=payment_id)
    email = payment.invoice.member.user.email
    if not email:
        return
    body = render_to_string(
        "membership/mail/cvs_numbers.txt",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "member": payment.invoice.member,
            "dues_url": f"{settings.SITE_URL}{reverse('member:dues')}",
        },
    )
    send_mail(
        subject="【日本消化器内視鏡技師会】コンビニでのお支払い番号のお知らせ",
        message=body,
        from_email=None,
        recipient_list=[email],
    )


def unpaid_dues(member):
    return Invoice.objects.filter(member=member, category=Invoice.Category.DUES, status=Invoice.Status.UNPAID)


# --- staff: dues reminders and flagged notifications ----------------------------------------


@dataclass
class ReminderLetter:
    """One reminder mail: a member and every unpaid dues invoice it mentions."""

    member_id: int
    member_number: str
    name: str
    email: str
    invoices: list = field(default_factory=list)  # (invoice_id, fiscal_year, amount)

    @property
    def total_yen(self):
        return sum(amount for _, _, amount in self.invoices)

    @property
    def years(self):
        return [year for _, year, _ in self.invoices]


@dataclass
class ReminderPlan:
    """Who a dues reminder would go to (the preview) or went to."""

    fiscal_year: int | None
    letters: list = field(default_factory=list)  # ReminderLetter, members with an e-mail address
    without_email: list = field(default_factory=list)  # ReminderLetter, members who cannot be mailed
    last_reminded_at: datetime.datetime | None = None  # latest reminder among the mentioned invoices

    @property
    def member_count(self):
        return len(self.letters)

    @property
    def invoice_count(self):
        return sum(len(letter.invoices) for letter in self.letters)

    @property
    def total_yen(self):
        return sum(letter.total_yen for letter in self.letters)

    @property
    def by_year(self):
        """[(fiscal_year, invoices, yen)] over the letters, oldest year first."""
        years = {}
        for letter in self.letters:
            for _, year, amount in letter.invoices:
                count, yen = years.get(year, (0, 0))
                years[year] = (count + 1, yen + amount)
        return [(year, count, yen) for year, (count, yen) in sorted(years.items())]


def plan_dues_reminders(*, fiscal_year=None):
    """Preview of a dues reminder: one letter per member with unpaid dues, in ONE query.

    ``fiscal_year`` chooses the members (those with unpaid dues of that year; ``None``: any
    year); each letter lists all of that member's unpaid dues, so nobody is reminded of one
    year and left unaware of another.
    """
    unpaid = Invoice.objects.filter(category=Invoice.Category.DUES, status=Invoice.Status.UNPAID)
    rows = unpaid
    if fiscal_year is not None:
        rows = unpaid.filter(member_id__in=unpaid.filter(fiscal_year=fiscal_year).values("member_id"))
    rows = rows.order_by("member__member_number", "fiscal_year", "pk").values_list(
        "pk",
        "fiscal_year",
        "amount",
        "last_reminded_at",
        "member_id",
        "member__member_number",
        "member__family_name",
        "member__given_name",
        "member__user__email",
    )
    plan = ReminderPlan(fiscal_year=fiscal_year)
    letter = None
    for pk, year, amount, reminded_at, member_id, number, family, given, email in rows.iterator(chunk_size=5000):
        if letter is None or letter.member_id != member_id:
            letter = ReminderLetter(member_id=member_id, member_number=number, name=f"{family} {given}", email=email)
            (plan.letters if email else plan.without_email).append(letter)
        letter.invoices.append((pk, year, amount))
        if email and reminded_at and (plan.last_reminded_at is None or reminded_at > plan.last_reminded_at):
            plan.last_reminded_at = reminded_at
    return plan


REMINDER_LOG_ACTION = "membership.invoice.reminded"


def send_dues_reminders(*, fiscal_year=None, user_id=None, batch_size=500):
    """督促: mail every member with unpaid dues (see ``plan_dues_reminders``) once.

    Marks the mentioned invoices ``last_reminded_at``, writes one history entry per invoice
    (``membership.invoice.reminded``, by ``user_id``) and queues one ``send_plain_mail`` per
    member after commit. Members without an e-mail address are left out (and not marked).
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    plan = plan_dues_reminders(fiscal_year=fiscal_year)
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(Invoice)
    with transaction.atomic():
        ids = [pk for letter in plan.letters for pk, _, _ in letter.invoices]
        for start in range(0, len(ids), batch_size):
            Invoice.objects.filter(pk__in=ids[start : start + batch_size], status=Invoice.Status.UNPAID).update(
                last_reminded_at=now
            )
        # Wagtail's log() writes one row per call; a reminder round can mention tens of
        # thousands of invoices, so the same history rows are written in batches.
        entries = (
            ModelLogEntry(
                content_type=content_type,
                object_id=str(pk),
                label=f"{letter.member_number} {year}年度 会費 {amount:,}円",
                action=REMINDER_LOG_ACTION,
                data={"to": letter.email, "fiscal_years": letter.years, "filter_fiscal_year": fiscal_year},
                timestamp=now,
                uuid=uuid.uuid4(),  # Wagtail's history shows one entry per uuid and action
                user_id=user_id,
            )
            for letter in plan.letters
            for pk, year, amount in letter.invoices
        )
        while batch := list(itertools.islice(entries, batch_size)):
            ModelLogEntry.objects.bulk_create(batch)
        letters = plan.letters
        transaction.on_commit(lambda: _queue_reminder_mails(letters))
    return plan


def _queue_reminder_mails(letters):
    dues_url = f"{settings.SITE_URL}{reverse('member:dues')}"
    for letter in letters:
        body = render_to_string(
            "membership/mail/dues_reminder.txt",
            {
                "name": letter.name,
                "invoices": [{"fiscal_year": year, "amount": amount} for _, year, amount in letter.invoices],
                "total": letter.total_yen,
                "dues_url": dues_url,
            },
        )
        send_plain_mail.enqueue(
            subject="【日本消化器内視鏡技師会】年会費お支払いのお願い", body=body, to=[letter.email]
        )


@transaction.atomic
def resolve_notification(*, notification_id, user):
    """確認済: staff have looked into a flagged (要確認) gateway notification."""
    record = GatewayNotification.objects.select_for_update().get(pk=notification_id)
    if record.outcome != GatewayNotification.Outcome.FLAGGED:
        raise BillingError("要確認の通知ではありません。")
    if record.resolved_at is not None:
        raise BillingError(f"この通知は{record.resolved_by}さんが確認済みにしています。")
    record.resolved_by = user.get_username()[:150]
    record.resolved_at = timezone.now()
    record.save(update_fields=["resolved_by", "resolved_at"])
    return record
