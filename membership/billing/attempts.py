"""Closing payment attempts at the gateway before they close here.

An attempt still at the checkout (手続き中) may be paid at the gateway at any moment, from
any tab the member left open. Before an attempt closes here (the member chooses again, staff
record money received otherwise, exempt or cancel the invoice), the gateway is asked about
its order and the order is voided there (card: AlterTran VOID; store: CvsCancel), so that the
gateway refuses to take money for it from then on.

The caller holds the attempt's row lock (``select_for_update``) until its transaction
commits, and the gateway is asked while holding it: a notification about the same attempt
waits, times out and is sent again by the gateway, then finds the order voided (or paid).
"""

from .. import gateway
from ..models import Payment
from .errors import BillingError

GATEWAY_UNREACHABLE = "決済会社に状態を確認できませんでした。しばらくしてからもう一度お試しください。"
NOT_VOIDED = "決済会社で手続き中の決済を取り消せませんでした。しばらくしてからもう一度お試しください。"

# The order is still open at the gateway: nobody has paid, nothing is issued.
VOIDABLE_STATUSES = {"UNPROCESSED"}
# The gateway will never take money for the order any more.
CLOSED_STATUSES = {"VOID", "CANCEL", "EXPIRED", "PAYFAIL", "RETURN", "RETURNX"}


def void_at_gateway(payment):
    """Ask the gateway about an attempt and void its order there if nobody has paid yet.

    Returns None when the attempt may close here (the gateway has no trade for it, the trade
    was voided now, or it was closed already), otherwise the gateway's ``TradeStatus`` (money
    taken, or store numbers issued): the caller applies it or refuses. Raises BillingError
    when the gateway cannot be asked or does not void the order.
    """
    trade = _search(payment)
    if trade is None or trade.status in CLOSED_STATUSES:
        return None
    if trade.status not in VOIDABLE_STATUSES:
        return trade
    try:
        gateway.void_trade(trade=trade, method=payment.method)
    except gateway.VoidRefused:
        # Paid or issued a moment ago, or voided already: the gateway's state says which.
        trade = _search(payment)
        if trade is None or trade.status in CLOSED_STATUSES:
            return None
        if trade.status in VOIDABLE_STATUSES:
            raise BillingError(NOT_VOIDED) from None
        return trade
    except gateway.GatewayError as error:
        raise BillingError(GATEWAY_UNREACHABLE) from error
    return None


def _search(payment):
    try:
        return gateway.search_trade(order_id=payment.order_id, method=payment.method)
    except gateway.UnknownOrder:
        return None
    except gateway.GatewayError as error:
        raise BillingError(GATEWAY_UNREACHABLE) from error


def refusal(trade, *, doing):
    """Why staff cannot go on (a Japanese sentence) while the gateway reports ``trade``."""
    if trade.status == "REQSUCCESS":
        return f"コンビニ払込番号が発行済みの決済({trade.order_id})があるため{doing}。お支払期限を過ぎるか、決済が取り消されてから操作してください。"
    return f"決済会社でお支払いが完了しています({trade.order_id}、状態 {trade.status})。まもなく入金済として反映されるため{doing}。"


def close_at_gateway(invoice_id, *, doing):
    """Void, at the gateway, the invoice's attempts still at the checkout, then close them here.

    For staff closing or paying an invoice by other means. The attempts are locked (first, as
    the lock order wants). Raises BillingError with the reason when an attempt was paid or has
    store numbers issued at the gateway (the notification, or ``reconcile_payments``, applies
    it), or when the gateway cannot be asked; ``doing`` completes the sentence, e.g.
    "入金を記録できません".
    """
    started = list(
        Payment.objects.select_for_update()
        .filter(invoice_id=invoice_id, status=Payment.Status.STARTED)
        .order_by("pk")
        .only("pk", "order_id", "method", "status")
    )
    for payment in started:
        trade = void_at_gateway(payment)
        if trade is not None:
            raise BillingError(refusal(trade, doing=doing))
    for payment in started:
        payment.status = Payment.Status.CANCELLED
        payment.save(update_fields=["status", "updated_at"])
    return started


def close_each_at_gateway(invoice_ids, *, doing):
    """``close_at_gateway`` for each of many invoices the caller has locked (the bulk paid-invoice rule).

    Returns {invoice id: the reason (Japanese)} of those it refused; their attempts stay open.
    """
    refused = {}
    for invoice_id in sorted(invoice_ids):
        try:
            close_at_gateway(invoice_id, doing=doing)
        except BillingError as error:
            refused[invoice_id] = str(error)
    return refused
