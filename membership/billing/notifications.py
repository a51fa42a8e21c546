"""The gateway's result notifications (結果通知): store, check, confirm, apply; and staff
resolving a flagged one.

Every notification is stored raw, checked (shop id, known order, amount against the invoice),
confirmed with the gateway's trade-status query (notifications carry no signature) and applied
idempotently under row locks: a repeated or late notification never pays twice or un-pays; a
mismatch is flagged for staff, not applied. Paying goes through the paid-invoice rule
(``invoices.mark_invoice_paid``), on PostgreSQL as one statement with the notification's own.
"""

import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from core.outbox import enqueue_with_transaction

from .. import gateway
from ..models import GatewayNotification, Invoice, Payment
from . import invoices
from .errors import BillingError
from .sql import db_now as _now
from .sql import execute as _sql
from .sql import table as _table
from .tasks import send_cvs_numbers_mail

logger = logging.getLogger(__name__)

NOTIFICATION_RESOLVED_ACTION = "membership.notification.resolved"

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


def receive_notification(body):
    """Store, check, confirm and apply one result notification.

    Returns True to acknowledge (answer ``0``), False when the gateway should send it again
    (the query or a lock failed), None when the body is not a notification of the protocol
    (refused; stored, flagged). The raw body (str, or bytes as received) is committed first,
    whatever follows, before anything that waits for a lock. The notification carries no
    signature, so it only triggers a trade-status query; what the gateway answers there is
    applied.

    This runs for every notification the gateway sends, so its statements are written as plain
    SQL (see ``_store_notification``, ``_lock_payment``); the rare outcomes use the ORM.
    """
    body, problem = _readable(body)
    parsed = gateway.parse_notification(body) if problem is None else NOTHING_NOTIFIED
    record, payment = _store_notification(body, parsed)
    if problem is not None:
        _finish(record, GatewayNotification.Outcome.FLAGGED, f"受け付けませんでした: {problem}")
        return None
    return _process(record, parsed, payment)


def _process(record, parsed, payment):
    """Check, confirm and apply a stored notification, storing its outcome. True to acknowledge."""
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
            # the same statement: see invoices.mark_invoice_paid); the attempt is linked only
            # now, while its row is locked here (the link's key check would wait for its lock).
            finish = _finish_statement(record, outcome, detail, payment_id=payment.pk)
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


def _readable(body):
    """``(text to store, problem or None)``: the body as text that any database stores (bad
    bytes and NUL escaped), and why it is not a notification of the protocol."""
    problem = None
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body, problem = body.decode("utf-8", "backslashreplace"), "UTF-8ではありません"
    if "\x00" in body:
        body, problem = body.replace("\x00", "\\x00"), problem or "NUL文字を含みます"
    if problem is None:
        try:
            gateway.check_notification(body)
        except gateway.MalformedNotification as error:
            problem = str(error)
    return body[: gateway.NOTIFICATION_MAX_BYTES], problem


def _store_notification(body, parsed):
    """Commit the notification as received, and find the attempt it names: ``(record, payment)``.

    Autocommit, so that it stays whatever follows. One statement also finds the attempt (its
    id and method, or None for an unknown order id) without linking it: a link's key check
    would wait while another transaction holds the attempt's row lock.
    """
    notifications, payments = _table(GatewayNotification), _table(Payment)
    pk, payment_id, method = _sql(
        f"INSERT INTO {notifications} (received_at, body, order_id, status, payment_id, outcome, detail, "
        f"resolved_by) VALUES (%s, %s, %s, %s, NULL, %s, '', '') RETURNING id, "
        f"(SELECT id FROM {payments} WHERE order_id = %s), (SELECT method FROM {payments} WHERE order_id = %s)",
        [_now(), body, parsed.order_id[:64], parsed.status[:20], GatewayNotification.Outcome.RECEIVED,
         parsed.order_id, parsed.order_id],
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


def complete_stale_notifications(*, older_than):
    """Finish notifications left at 受信 by a process killed before it stored their outcome.

    ``receive_notification`` commits the raw body first; a worker killed after that leaves the
    record at 受信 although its outcome was never stored (the gateway, unanswered, sends the
    notification again; that one is applied, and this one would say 受信 forever). Records
    received more than ``older_than`` (a timedelta) ago are processed as the endpoint would have:
    checked, confirmed with the gateway and applied (a payment applied since is 変更なし).
    Each record is claimed first (``processed_at``), so two runs never process it twice.
    Run by ``manage.py reconcile_payments``; returns {outcome: count}.
    """
    now = timezone.now()
    cutoff = now - older_than
    Outcome = GatewayNotification.Outcome
    unclaimed = Q(processed_at=None) | Q(processed_at__lt=cutoff)  # or claimed by a run that died too
    stale = GatewayNotification.objects.filter(unclaimed, outcome=Outcome.RECEIVED, received_at__lt=cutoff)
    outcomes = {}
    for pk in list(stale.order_by("pk").values_list("pk", flat=True)):
        if not stale.filter(pk=pk).update(processed_at=now):
            continue  # another run took it
        record = GatewayNotification.objects.only("body", "payment").get(pk=pk)
        parsed = gateway.parse_notification(record.body)
        # The attempt is linked only once the outcome is stored: find it by the order id.
        payment = Payment.objects.only("order_id", "method").filter(order_id=parsed.order_id).first()
        try:
            _process(record, parsed, payment)
        except Exception:  # this one stays at 受信 (tried again after older_than); the others go on
            logger.exception("notification %s: could not be completed", pk)
            outcomes["error"] = outcomes.get("error", 0) + 1
            continue
        outcome = GatewayNotification.objects.values_list("outcome", flat=True).get(pk=pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        logger.warning("notification %s: left at received, completed as %s", pk, outcome)
    return outcomes


def _finish_statement(record, outcome, detail="", payment_id=None):
    """The statement storing what became of a notification: ``(sql, params)``.

    ``payment_id`` links the attempt; only pass it while holding the attempt's row lock.
    """
    link = "" if payment_id is None else ", payment_id = %s"
    return (
        f"UPDATE {_table(GatewayNotification)} SET outcome = %s, detail = %s, processed_at = %s{link} WHERE id = %s",
        [outcome, detail[:300], _now(), *([] if payment_id is None else [payment_id]), record.pk],
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
        # Numbered last, so that the year's receipt counter stays locked only until the commit
        # (invoices.mark_invoice_paid queues the paid mail just before it).
        return (
            Outcome.APPLIED,
            "支払済にしました",
            lambda also=(): invoices.mark_invoice_paid(invoice, **paid, also=[pay_attempt, close_others, *also]),
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


@transaction.atomic
def resolve_notification(*, notification_id, user, note=""):
    """確認済: staff have looked into a flagged (要確認) gateway notification; ``note`` says what they found."""
    record = GatewayNotification.objects.select_for_update().get(pk=notification_id)
    if record.outcome != GatewayNotification.Outcome.FLAGGED:
        raise BillingError("要確認の通知ではありません。")
    if record.resolved_at is not None:
        raise BillingError(f"この通知は{record.resolved_by}さんが確認済みにしています。")
    record.resolved_by = user.get_username()[:150]
    record.resolved_at = timezone.now()
    record.save(update_fields=["resolved_by", "resolved_at"])
    log(instance=record, action=NOTIFICATION_RESOLVED_ACTION, user=user, data={"note": note})
    return record
