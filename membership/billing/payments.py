"""Payment attempts (guide 4 ③–⑤) and money the staff record by hand.

- ``start_payment`` (決定), ``checkout_url`` (the GMO button), ``cancel_payment`` (choose again);
- ``record_manual_payment``: 窓口 / 振込 / ゆうちょ, money received outside the gateway.
Marking the invoice paid is the paid-invoice rule's (``invoices.mark_invoice_paid``).
"""

import secrets
import string

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from wagtail.log_actions import log

from core import japanese

from .. import gateway
from ..models import Invoice, Payment
from . import invoices
from .attempts import close_at_gateway, void_at_gateway
from .errors import BillingError
from .invoices import INVOICE_PAID_ACTION, MANUAL_CHANNELS, lock_invoice, paid_log_data
from .notifications import NOTHING_NOTIFIED, _apply_trade

CVS_AMOUNT_LIMIT = 300_000

# What the member is told about a card the gateway declined, by the ErrCode of its notification.
# The notification is unsigned: its own text is never shown, and unknown codes get the general line.
CARD_ERRORS = {
    "G02": "カード残高が不足しています(エラー G02)。",
    "G03": "カードの利用限度額を超えています(エラー G03)。",
    "G04": "カード残高が不足しています(エラー G04)。",
    "G05": "カードの利用限度額を超えています(エラー G05)。",
    "G12": "このカードはご利用いただけません(エラー G12)。",
    "G42": "暗証番号が正しくありません(エラー G42)。",
    "G44": "セキュリティコードが正しくありません(エラー G44)。",
    "G54": "このカードはご利用いただけません(エラー G54)。",
    "G55": "カードの利用限度額を超えています(エラー G55)。",
    "G56": "このカードはご利用いただけません(エラー G56)。",
    "G83": "カードの有効期限が正しくありません(エラー G83)。",
}
CARD_ERROR_OTHER = "カード会社で決済が承認されませんでした。"


def card_error_message(error_code):
    """Our own sentence for a declined card (``Payment.error_code``), or "" when there is no error."""
    if not error_code:
        return ""
    return CARD_ERRORS.get(error_code, CARD_ERROR_OTHER)


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


@transaction.atomic
def cancel_payment(*, member, order_id):
    """The member leaves an attempt still at the checkout, to choose again (guide 4 ③).

    The gateway is asked first, under the attempt's row lock: an order nobody has paid is
    voided there (an old checkout tab can no longer pay it), then closed here; if the money
    was taken after all, the attempt is paid instead. A convenience-store attempt with numbers
    issued cannot be cancelled here (it may still be paid at the store until its deadline).
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .filter(order_id=order_id, invoice__member=member)
        .only("order_id", "method", "status", "invoice_id")
        .first()
    )
    if payment is None:
        raise BillingError("お支払い手続きが見つかりません。")
    if payment.status == Payment.Status.STARTED:
        trade = void_at_gateway(payment)
        if trade is None:
            payment.status = Payment.Status.CANCELLED
            payment.save(update_fields=["status", "updated_at"])
            return payment
        _outcome, _detail, *last_step = _apply_trade(payment_id=payment.pk, trade=trade, notified=NOTHING_NOTIFIED)
        for step in last_step:
            step()
        payment.refresh_from_db()
    if payment.status == Payment.Status.AWAITING:
        raise BillingError(
            "コンビニ払込番号が発行済みのため取り消せません。お支払期限を過ぎると、新しくお手続きできます。"
        )
    return payment


@transaction.atomic
def retry_payment(*, member, order_id):
    """もう一度支払う after a declined card: close the attempt (voided at the gateway first, as
    on cancel) and open a new one with the same method. The gateway refuses a second checkout
    for an order id it has seen (E01), so a new attempt is the only way to try again.

    Returns the new attempt, or the old one if the money was taken after all.
    """
    payment = cancel_payment(member=member, order_id=order_id)
    if payment.status == Payment.Status.PAID:
        return payment
    return start_payment(member=member, invoice_id=payment.invoice_id, method=payment.method)


@transaction.atomic
def record_manual_payment(*, invoice_id, channel, paid_on, amount=None, note="", notify=True, user=None):
    """窓口 / 振込 / ゆうちょ: staff record money received outside the gateway.

    ``notify=False`` records without mailing the member (migrating old records, demo data).
    ``user``: the staff member recording it; the invoice's history then records it.
    """
    invoice = lock_invoice(invoice_id)
    if invoice.status != Invoice.Status.UNPAID:
        raise BillingError(f"この請求は{invoice.get_status_display()}です。入金を記録できません。")
    if channel not in MANUAL_CHANNELS:
        raise BillingError("入金種別は窓口・振込・ゆうちょから選んでください。")
    if invoice.payments.filter(status=Payment.Status.AWAITING).exists():
        raise BillingError("コンビニ支払待ちの決済があります。先に事務局でその決済を取り消してください。")
    close_at_gateway(invoice.pk, doing="入金を記録できません")  # attempts at the checkout: voided there first
    if note:
        invoice.note = note[:200]
        invoice.save(update_fields=["note"])
    invoices.mark_invoice_paid(
        invoice, paid_on=paid_on, amount=invoice.amount if amount is None else amount, channel=channel, notify=notify
    )
    if user is not None:
        data = paid_log_data(channel=invoice.channel, paid_on=invoice.paid_on, amount=invoice.paid_amount,
                             receipt_number=invoice.receipt_number, note=note)  # fmt: skip
        log(instance=invoice, action=INVOICE_PAID_ACTION, user=user, data=data)
    return invoice
