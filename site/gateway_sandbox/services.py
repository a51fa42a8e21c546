"""What happens to a sandbox trade: one function per transition, one transaction each.

Every state change writes an outbox notification; its delivery is queued after commit
(see ``delivery``). Views and commands call these functions and never write the ORM.
"""

import secrets
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import db, protocol
from .chains import CHAINS
from .delivery import enqueue_delivery
from .models import SandboxNotification, SandboxTrade

Status = SandboxTrade.Status

ORDER_ID_USED = "E01 order id already used"
ORDER_VOID = "E01 order has been voided"


class SandboxError(Exception):
    """A refused console or checkout action; the message is Japanese and shown as is."""


def open_trade(shop_id, params, hash_):
    """The trade for a checkout URL, created on first sight.

    Returns ``(trade, created)``. Raises CheckoutRefused when the order id belongs to a
    different checkout URL. Re-opening the same URL returns the existing trade whatever its
    state; the caller decides what to show.
    """
    trade = SandboxTrade.objects.filter(order_id=params.order_id).first()
    if trade is None:
        try:
            with transaction.atomic(using=db.alias()):
                trade = SandboxTrade.objects.create(
                    order_id=params.order_id,
                    shop_id=shop_id,
                    config_id=params.config_id,
                    checkout_hash=hash_,
                    pay_type=params.pay_type,
                    job_cd="",
                    amount=params.amount,
                    tax=params.tax,
                    overview=params.overview,
                    ret_url=params.ret_url,
                    complete_url=params.complete_url,
                    cancel_url=params.cancel_url,
                    customer_name=params.customer_name,
                    customer_email=params.customer_email,
                    customer_phone=params.customer_phone,
                    payment_term_day=params.payment_term_day,
                    receipts_disp11=params.receipts_disp11,
                )
            return trade, True
        except IntegrityError:
            # Opened at the same moment in another request.
            trade = SandboxTrade.objects.get(order_id=params.order_id)
    if trade.shop_id != shop_id or not protocol.same_secret(trade.checkout_hash, hash_):
        raise protocol.CheckoutRefused(ORDER_ID_USED)
    return trade, False


def is_open(trade):
    """Nothing has happened yet: the checkout page may be shown (again)."""
    return trade.status == Status.UNPROCESSED and not trade.err_code


def _locked(trade_id):
    return SandboxTrade.objects.select_for_update().get(pk=trade_id)


def _notify(trade, *, after_answer=False):
    notification = SandboxNotification.objects.create(
        trade=trade,
        status=trade.status,
        body=protocol.encode_fields(protocol.notification_fields(trade)),
    )
    enqueue_delivery(notification.pk, after_answer=after_answer)
    return notification


def _mask(card_number):
    return "*" * (len(card_number) - 4) + card_number[-4:]


@db.atomic
def pay_by_card(trade_id, card_number):
    """Authorise and capture at once (JobCd CAPTURE), or decline the test decline number.

    The card form has already refused any other number.
    """
    trade = _locked(trade_id)
    if trade.pay_type != protocol.CARD or not is_open(trade):
        raise SandboxError("この取引はすでに処理されています。")
    now = timezone.now()
    trade.card_number_masked = _mask(card_number)
    trade.tran_date = now
    if card_number == protocol.CARD_OK:
        trade.status = Status.CAPTURE
        trade.job_cd = "CAPTURE"
    else:
        trade.err_code = protocol.DECLINE_ERR_CODE
        trade.err_info = protocol.DECLINE_ERR_INFO
    trade.save(
        update_fields=["card_number_masked", "tran_date", "status", "job_cd", "err_code", "err_info", "updated_at"]
    )
    _notify(trade)
    return trade


def _digits(count):
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def payment_deadline(now, days):
    """``days`` days after today (Japan time), at 23:59:59 Japan time."""
    day = now.astimezone(protocol.JST).date() + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=protocol.JST)


@db.atomic
def request_cvs_payment(trade_id, *, cvs_code, name, phone):
    """Issue the store numbers: the trade awaits payment (REQSUCCESS) until the deadline."""
    chain = CHAINS[cvs_code]
    trade = _locked(trade_id)
    if trade.pay_type != protocol.CVS or not is_open(trade):
        raise SandboxError("この取引はすでに処理されています。")
    now = timezone.now()
    trade.status = Status.REQSUCCESS
    trade.cvs_code = chain.code
    trade.cvs_conf_no = _digits(chain.conf_digits)
    trade.cvs_receipt_no = _digits(chain.receipt_digits)
    trade.cvs_name = name
    trade.cvs_phone = phone
    trade.payment_term = payment_deadline(now, trade.payment_term_day or 7)
    trade.tran_date = now
    trade.save(
        update_fields=[
            "status",
            "cvs_code",
            "cvs_conf_no",
            "cvs_receipt_no",
            "cvs_name",
            "cvs_phone",
            "payment_term",
            "tran_date",
            "updated_at",
        ]
    )
    _notify(trade)
    return trade


def _store_transition(trade_id, new_status):
    trade = _locked(trade_id)
    if trade.pay_type != protocol.CVS or trade.status != Status.REQSUCCESS:
        raise SandboxError(f"{trade.order_id}: 入金待ち(REQSUCCESS)のコンビニ取引ではありません(現在 {trade.status})。")
    trade.status = new_status
    trade.tran_date = timezone.now()
    trade.save(update_fields=["status", "tran_date", "updated_at"])
    _notify(trade)
    return trade


@db.atomic
def mark_paid(trade_id):
    """The member paid at the store (PAYSUCCESS)."""
    return _store_transition(trade_id, Status.PAYSUCCESS)


@db.atomic
def mark_expired(trade_id):
    """The deadline passed without payment (EXPIRED)."""
    return _store_transition(trade_id, Status.EXPIRED)


@db.atomic
def resend_latest(trade_id):
    """Send the trade's latest notification once more, as a new outbox row.

    Also after the shop acknowledged it: a way to test that duplicates are harmless.
    """
    trade = _locked(trade_id)
    latest = trade.notifications.order_by("-created_at", "-id").first()
    if latest is None:
        raise SandboxError(f"{trade.order_id}: まだ通知がありません。")
    notification = SandboxNotification.objects.create(trade=trade, status=latest.status, body=latest.body)
    enqueue_delivery(notification.pk)
    return notification


VOIDABLE = {
    # pay type: states from which the order can be closed (card: AlterTran VOID, store: CvsCancel)
    protocol.CARD: {Status.UNPROCESSED, Status.CAPTURE},
    protocol.CVS: {Status.UNPROCESSED, Status.REQSUCCESS},
}


@db.atomic
def void_trade(shop_id, access_id, access_pass, *, pay_type, order_id=None):
    """AlterTran JobCd=VOID (card) or CvsCancel (store): nobody can pay the order any more.

    A card trade is voided still at the checkout (the page refuses payment from then on) or
    captured (same-day cancellation: the charge is dropped). A store trade is cancelled before
    or after its numbers were issued, not once paid. Returns the trade; raises SandboxError
    with the protocol's error code (ERR_UNKNOWN_ACCESS, ERR_STATE).
    """
    trade = (
        SandboxTrade.objects.select_for_update().filter(shop_id=shop_id, access_id=access_id, pay_type=pay_type).first()
    )
    if trade is None or not protocol.same_secret(trade.access_pass, access_pass):
        raise SandboxError(protocol.ERR_UNKNOWN_ACCESS)
    if order_id is not None and trade.order_id != order_id:
        raise SandboxError(protocol.ERR_UNKNOWN_ACCESS)
    if trade.status not in VOIDABLE[pay_type]:
        raise SandboxError(protocol.ERR_STATE)
    trade.status = Status.VOID if pay_type == protocol.CARD else Status.CANCEL
    if pay_type == protocol.CARD:
        trade.job_cd = "VOID"
    trade.tran_date = timezone.now()
    trade.save(update_fields=["status", "job_cd", "tran_date", "updated_at"])
    # The shop is waiting for the answer, under its attempt's lock (see delivery).
    _notify(trade, after_answer=True)
    return trade


def find_trade(order_id):
    try:
        return SandboxTrade.objects.get(order_id=order_id)
    except SandboxTrade.DoesNotExist:
        raise SandboxError(f"オーダーID {order_id} の取引はありません。") from None
