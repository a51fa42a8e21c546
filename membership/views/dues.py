"""会費支払い明細 and the payment flow (guide 4): the member's invoices, ① to ⑤ of paying,
receipts, and the gateway's result notifications (結果通知)."""

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core import japanese

from .. import gateway
from ..billing.errors import BillingError
from ..billing.notifications import receive_notification, reconcile_payment
from ..billing.payments import cancel_payment, card_error_message, checkout_url, retry_payment, start_payment
from ..billing.statement import statement, statement_row
from ..models import CVS_CHAINS, GatewayNotification, Invoice, Payment
from ..shell import members_area

logger = logging.getLogger(__name__)


@members_area
def dues(request):
    """会費支払い明細: the unpaid invoices and the recent years, newest first (``?all=1``: every
    year), with receipts and open store payments."""
    member = request.user.member
    whole_history = request.GET.get("all") == "1"
    listed = statement(member=member, whole_history=whole_history)
    return render(
        request,
        "membership/dues.html",
        {
            "rows": [statement_row(invoice) for invoice in listed.invoices],
            "older": listed.older,
            "since_year": listed.since_year,
            "whole_history": whole_history,
            "member": member,
            "name_warning": japanese.payment_name_problem(member),
        },
    )


def _own_invoice(request, invoice_id):
    return get_object_or_404(Invoice, pk=invoice_id, member=request.user.member)


@members_area
def payment_start(request, invoice_id):
    """① 会員情報確認 支払手続き: profile saved today → ③ the method; otherwise ② the profile form."""
    invoice = _own_invoice(request, invoice_id)
    if not invoice.is_unpaid:
        messages.info(request, "この請求はお支払いの必要がありません。")
        return redirect("member:dues")
    if request.user.member.profile_confirmed_on(timezone.localdate()):
        return redirect("member:payment_method", invoice_id=invoice.pk)
    return redirect(f"{reverse('member:profile_edit')}?invoice={invoice.pk}")


@members_area
@require_http_methods(["GET", "POST"])
def payment_method(request, invoice_id):
    """③ お支払方法の選択 and 決定, which creates the attempt and fixes its method."""
    member = request.user.member
    invoice = _own_invoice(request, invoice_id)
    if not invoice.is_unpaid:
        return redirect("member:dues")
    if not member.profile_confirmed_on(timezone.localdate()):
        return redirect("member:payment_start", invoice_id=invoice.pk)  # ① first: confirm the profile today
    open_payment = invoice.payments.filter(status__in=Payment.OPEN_STATUSES).first()
    if open_payment is not None:
        return redirect("member:payment", order_id=open_payment.order_id)
    error = None
    if request.method == "POST":
        try:
            payment = start_payment(member=member, invoice_id=invoice.pk, method=request.POST.get("method", ""))
        except BillingError as failure:
            error = str(failure)
        else:
            return redirect("member:payment", order_id=payment.order_id)
    return render(
        request,
        "membership/payment_method.html",
        {
            "invoice": invoice,
            "error": error,
            "methods": Payment.Method.choices,
            "cvs_chains": list(CVS_CHAINS.values()),
            "name_warning": japanese.payment_name_problem(member),
        },
    )


# What 「状態を確認する」 tells the member, by reconcile_payment's outcome: never nothing.
STATUS_CHECK_MESSAGES = {
    GatewayNotification.Outcome.APPLIED: (messages.success, "決済会社でお支払いを確認しました。"),
    GatewayNotification.Outcome.NO_CHANGE: (
        messages.info,
        "決済会社に確認しました。状態は変わっていません。お支払い手続きが終わっていない場合は、"
        "下のボタンから手続きを続けてください。",
    ),
    GatewayNotification.Outcome.FLAGGED: (
        messages.warning,
        "決済会社の記録とこちらの請求が一致しないため、事務局が確認します。二重にお支払いにならないよう、"
        "事務局からの連絡をお待ちください。",
    ),
    "no_trade": (
        messages.info,
        "決済会社ではまだお支払い手続きが始まっていません。「GMO お支払い手続きページ」から手続きしてください。",
    ),
    None: (messages.info, "決済会社に確認しました。"),
}


@members_area
@require_http_methods(["GET", "POST"])
def payment(request, order_id):
    """④ the GMO button for an open attempt, or where the attempt stands.

    POST ``action=refresh`` asks the gateway now; ``action=cancel`` leaves an attempt still at
    the checkout so that the member can choose again.
    """
    member = request.user.member
    payment = get_object_or_404(Payment.objects.select_related("invoice"), order_id=order_id, invoice__member=member)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "retry":
                attempt = retry_payment(member=member, order_id=payment.order_id)
                if attempt.status == Payment.Status.PAID:
                    messages.success(request, "お支払いを確認しました。")
                    return redirect("member:payment", order_id=attempt.order_id)
                return redirect("member:payment_checkout", order_id=attempt.order_id)
            if request.POST.get("action") == "cancel":
                cancel_payment(member=member, order_id=payment.order_id)
                messages.info(request, "お支払い手続きを取り消しました。もう一度お支払方法を選んでください。")
                return redirect("member:dues")
            outcome = reconcile_payment(payment_id=payment.pk)
            level, text = STATUS_CHECK_MESSAGES.get(outcome, STATUS_CHECK_MESSAGES[None])
            level(request, text)
        except (BillingError, gateway.GatewayError) as error:
            messages.error(
                request,
                str(error) if isinstance(error, BillingError) else "決済会社に状態を確認できませんでした。",
            )
        return redirect("member:payment", order_id=payment.order_id)
    context = {
        "payment": payment,
        "invoice": payment.invoice,
        "card_error": card_error_message(payment.error_code),
        "can_checkout": payment.status == Payment.Status.STARTED and payment.invoice.is_unpaid,
    }
    return render(request, "membership/payment.html", context)


@members_area
@require_http_methods(["GET"])
def payment_checkout(request, order_id):
    """④ The GMO button: to the gateway's checkout only while the attempt is still open here.

    The page links here rather than to the gateway, so that an old tab of the page cannot
    open (and pay) an attempt the member cancelled before it ever reached the gateway.
    """
    member = request.user.member
    payment = get_object_or_404(Payment.objects.select_related("invoice"), order_id=order_id, invoice__member=member)
    if payment.status == Payment.Status.STARTED and payment.invoice.is_unpaid:
        return redirect(checkout_url(payment, member=member))
    messages.error(request, "このお支払い手続きは取り消されているか、終わっています。")
    return redirect("member:payment", order_id=payment.order_id)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_return(request, order_id):
    """⑤ The gateway sends the browser back here (a cross-site POST, so no session cookie).

    It never marks anything paid: it only leads to the attempt's page, whose state comes from
    the gateway's notification, confirmed by the trade-status query.
    """
    return redirect("member:payment", order_id=order_id, permanent=False)


@members_area
def receipt(request, invoice_id):
    """領収書 as PDF: issued (its content fixed) on the first download, the same on every later one."""
    invoice = _own_invoice(request, invoice_id)
    if not invoice.receipt_number:
        raise Http404("領収書はまだ発行されていません。")
    from ..billing.receipts import issue_receipt, render_receipt_pdf

    issued = issue_receipt(invoice)
    response = HttpResponse(render_receipt_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    return response


@csrf_exempt
@require_http_methods(["POST"])
def gateway_notification(request):
    """結果通知 from the gateway: answer ``0`` once the outcome is stored, anything else to be asked again.

    Every failure answers ``1`` (never an error page): 413 for a body larger than the protocol's,
    400 for one that is not a notification of the protocol, 503 when it could not be processed now.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > gateway.NOTIFICATION_MAX_BYTES:
        return _notification_answer("1", 413)
    try:
        body = request.read(gateway.NOTIFICATION_MAX_BYTES + 1)
        if len(body) > gateway.NOTIFICATION_MAX_BYTES:
            return _notification_answer("1", 413)
        acknowledged = receive_notification(body)
    except Exception:  # noqa: BLE001 - the gateway gets a retry answer, the error goes to the log
        logger.exception("gateway notification could not be processed")
        return _notification_answer("1", 503)
    if acknowledged is None:
        return _notification_answer("1", 400)
    return _notification_answer("0", 200) if acknowledged else _notification_answer("1", 503)


def _notification_answer(text, status):
    return HttpResponse(text, content_type="text/plain", status=status)
