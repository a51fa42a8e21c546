"""自動継続 on 会費支払い明細: register or replace the card at the gateway's page, stop automatic payment."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..billing.autopay import card_page_url, confirm_card, stop_autopay
from ..billing.errors import BillingError
from ..shell import members_area


@members_area
@require_POST
def autopay_card(request):
    """カードを登録する / カードを変更する: to the gateway's card registration page."""
    try:
        return redirect(card_page_url(member=request.user.member))
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("member:dues")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def autopay_return(request):
    """The gateway sends the browser back here (a cross-site POST, so no session cookie): what it
    posts is not trusted; the next page asks the gateway's card query."""
    return redirect("member:autopay_confirm")


@members_area
def autopay_confirm(request):
    """Store what the gateway now holds for the member (masked number, expiry) and show it."""
    try:
        autopay = confirm_card(member=request.user.member)
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("member:dues")
    if autopay is not None and autopay.is_active:
        messages.success(request, f"カード({autopay.card_number_masked})で会費の自動払いを受け付けました。")
    else:
        messages.info(request, "カードは登録されませんでした。")
    return redirect("member:dues")


@members_area
@require_POST
def autopay_stop(request):
    """自動払いを停止する: the card is deleted at the gateway; nothing more is charged."""
    try:
        stop_autopay(member=request.user.member)
    except BillingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "会費の自動払いを停止しました。登録カードは削除されました。")
    return redirect("member:dues")
