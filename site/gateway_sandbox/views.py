"""The sandbox gateway's pages: checkout (card or store), the trade-status API, the console."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import protocol, services
from .chains import CHAINS
from .delivery import resend_undelivered
from .forms import CardForm, CvsForm
from .models import SandboxTrade

Status = SandboxTrade.Status


def _refused(request, message):
    return render(request, "gateway_sandbox/refused.html", {"message": message}, status=400)


def _jst(moment, fmt="%Y/%m/%d %H:%M:%S"):
    return moment.astimezone(protocol.JST).strftime(fmt) if moment else ""


class CheckoutView(View):
    """``link/v1/plus/<shop_id>/checkout/<payload>.<hash>``: the member pays here.

    Every step posts back to the same URL, so the hash is checked on every request.
    """

    def dispatch(self, request, shop_id, token):
        try:
            params, hash_ = protocol.read_checkout(shop_id, token)
            self.trade, _ = services.open_trade(shop_id, params, hash_)
        except protocol.CheckoutRefused as exc:
            return _refused(request, str(exc))
        return super().dispatch(request, shop_id, token)

    def render(self, template, **context):
        trade = self.trade
        context.update(
            trade=trade,
            shop_name=trade.receipts_disp11,
            test_cards={"ok": protocol.CARD_OK, "declined": protocol.CARD_DECLINED},
        )
        return render(self.request, f"gateway_sandbox/{template}", context)

    def get(self, request, *args, **kwargs):
        if self.trade.status in (Status.VOID, Status.CANCEL):
            return _refused(request, services.ORDER_VOID)
        if not services.is_open(self.trade):
            return _refused(request, services.ORDER_ID_USED)
        if self.trade.is_cvs:
            return self.render("cvs_form.html", form=CvsForm(initial=self._cvs_initial()))
        return self.render("card_form.html", form=CardForm())

    def post(self, request, *args, **kwargs):
        if not services.is_open(self.trade):
            # The same URL posted again (reload, double click): show the outcome again.
            return self._outcome()
        if self.trade.is_cvs:
            return self._post_cvs()
        form = CardForm(request.POST)
        if not form.is_valid():
            return self.render("card_form.html", form=form)
        try:
            self.trade = services.pay_by_card(self.trade.pk, form.cleaned_data["card_number"])
        except services.SandboxError:
            self.trade.refresh_from_db()
        return self._outcome()

    def _cvs_initial(self):
        return {"name": self.trade.customer_name, "phone": self.trade.customer_phone}

    def _post_cvs(self):
        step = self.request.POST.get("step", "confirm")
        form = CvsForm(self.request.POST)
        if step == "back" or not form.is_valid():
            return self.render("cvs_form.html", form=form if step != "back" else CvsForm(initial=self.request.POST))
        data = form.cleaned_data
        if step != "complete":
            return self.render("cvs_confirm.html", form=form, chain=CHAINS[data["cvs_code"]])
        try:
            self.trade = services.request_cvs_payment(
                self.trade.pk, cvs_code=data["cvs_code"], name=data["name"], phone=data["phone"]
            )
        except services.SandboxError:
            self.trade.refresh_from_db()
        return self._outcome()

    def _outcome(self):
        trade = self.trade
        if trade.status == Status.CAPTURE or (not trade.is_cvs and trade.err_code):
            return self.render("card_result.html", declined=bool(trade.err_code))
        if trade.status == Status.REQSUCCESS:
            return self.render(
                "cvs_complete.html",
                chain=CHAINS[trade.cvs_code],
                payment_term=_jst(trade.payment_term),
            )
        if trade.status in (Status.VOID, Status.CANCEL):
            return _refused(self.request, services.ORDER_VOID)
        return _refused(self.request, services.ORDER_ID_USED)


def _answer(body):
    return HttpResponse(body, content_type="text/plain; charset=UTF-8")


@csrf_exempt
@require_POST
def search_trade(request):
    """``api/payment/SearchTradeMulti.idPass``: the trade-status query (取引状態参照)."""
    shop_id = request.POST.get("ShopID", "")
    expected_pass = protocol.shop_pass_for(shop_id)
    if expected_pass is None or not protocol.same_secret(request.POST.get("ShopPass", ""), expected_pass):
        return _answer(protocol.error_answer(protocol.ERR_SHOP_PASS))
    trade = SandboxTrade.objects.filter(shop_id=shop_id, order_id=request.POST.get("OrderID", "")).first()
    # A trade asked for with another PayType (or none) is not found, as at the real gateway.
    if trade is None or request.POST.get("PayType", "") != trade.pay_type:
        return _answer(protocol.error_answer(protocol.ERR_UNKNOWN_ORDER))
    return _answer(protocol.encode_fields(protocol.search_fields(trade)))


def _void(request, pay_type, answer_fields):
    shop_id = request.POST.get("ShopID", "")
    expected_pass = protocol.shop_pass_for(shop_id)
    if expected_pass is None or not protocol.same_secret(request.POST.get("ShopPass", ""), expected_pass):
        return _answer(protocol.error_answer(protocol.ERR_SHOP_PASS))
    try:
        trade = services.void_trade(
            shop_id, request.POST.get("AccessID", ""), request.POST.get("AccessPass", ""), pay_type=pay_type,
            order_id=request.POST.get("OrderID", "") if pay_type == protocol.CVS else None,
        )  # fmt: skip
    except services.SandboxError as error:
        return _answer(protocol.error_answer(str(error)))
    return _answer(protocol.encode_fields(answer_fields(trade)))


@csrf_exempt
@require_POST
def alter_tran(request):
    """``api/payment/AlterTran.idPass``: only JobCd=VOID (cancel a card trade) is offered here."""
    if request.POST.get("JobCd", "") != "VOID":
        return _answer(protocol.error_answer(protocol.ERR_STATE))
    return _void(request, protocol.CARD, protocol.void_fields)


@csrf_exempt
@require_POST
def cvs_cancel(request):
    """``api/payment/CvsCancel.idPass``: stop a convenience-store trade (its numbers stop working)."""
    return _void(request, protocol.CVS, protocol.cvs_cancel_fields)


def _console_allowed(request):
    # Staff only; and in development (DEBUG on) anyone, so that browser tests can drive the
    # sandbox (mark a store payment paid) in the member's own browser without a staff login.
    return settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)


CONSOLE_ACTIONS = {
    "paid": (services.mark_paid, "{order_id} を入金済にしました。"),
    "expired": (services.mark_expired, "{order_id} を期限切れにしました。"),
    "resend": (services.resend_latest, "{order_id} の通知を再送しました。"),
}


def console(request):
    """``console/``: the sandbox's trades and notifications, and buttons to move them on."""
    if not _console_allowed(request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
        return HttpResponseForbidden("このページは事務局のみ利用できます。")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "resend_undelivered":
            count = resend_undelivered(due_only=False)
            messages.success(request, f"未達の通知 {count} 件を再送しました。")
        elif action in CONSOLE_ACTIONS:
            function, message = CONSOLE_ACTIONS[action]
            trade = SandboxTrade.objects.filter(pk=request.POST.get("trade", "")).first()
            if trade is None:
                messages.error(request, "取引が見つかりません。")
            else:
                try:
                    function(trade.pk)
                except services.SandboxError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, message.format(order_id=trade.order_id))
        else:
            messages.error(request, "不明な操作です。")
        return redirect(request.path)
    trades = SandboxTrade.objects.prefetch_related("notifications")[:200]
    rows = [
        {
            "trade": trade,
            "chain": protocol.chain_name(trade.cvs_code) if trade.cvs_code else "",
            "payment_term": _jst(trade.payment_term),
            "notifications": sorted(trade.notifications.all(), key=lambda n: (n.created_at, n.pk), reverse=True),
        }
        for trade in trades
    ]
    return render(
        request,
        "gateway_sandbox/console.html",
        {"rows": rows, "notify_url": settings.SANDBOX_NOTIFY_URL, "now": timezone.now()},
    )
