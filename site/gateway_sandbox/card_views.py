"""The sandbox's card-on-file pages: the card registration page and the site / charge API."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import card_protocol, cards, protocol
from .forms import CardRegistrationForm
from .services import SandboxError


def _answer(fields):
    return HttpResponse(protocol.encode_fields(fields), content_type="text/plain; charset=UTF-8")


def _error(code):
    return HttpResponse(protocol.error_answer(code), content_type="text/plain; charset=UTF-8")


class _CardError(SandboxError):
    """A declined card: answered with the card company's ErrCode (G02) and ErrInfo (42G020000)."""

    def __init__(self, trade):
        super().__init__(trade.err_info)
        self.code, self.info = trade.err_code, trade.err_info


def site_api(function):
    """A site API call (SiteID and SitePass): POST only, the site checked, SandboxError answered."""

    @csrf_exempt
    @require_POST
    def view(request):
        if not card_protocol.site_allowed(request.POST):
            return _error(card_protocol.ERR_SITE_PASS)
        try:
            return _answer(function(request.POST))
        except _CardError as error:
            return HttpResponse(card_protocol.card_error_answer(error.code, error.info),
                                content_type="text/plain; charset=UTF-8")  # fmt: skip
        except SandboxError as error:
            return _error(str(error))

    view.__name__ = view.__qualname__ = function.__name__
    view.__doc__ = function.__doc__
    return view


@site_api
def save_member(data):
    """``SaveMember.idPass``."""
    member = cards.save_member(data["SiteID"], data.get("MemberID", ""), data.get("MemberName", ""))
    return [("MemberID", member.member_id)]


@site_api
def search_member(data):
    """``SearchMember.idPass``."""
    return card_protocol.member_fields(cards.search_member(data["SiteID"], data.get("MemberID", "")))


@site_api
def search_card(data):
    """``SearchCard.idPass`` (SeqMode 0 only: logical card sequence numbers)."""
    if data.get("SeqMode", "0") != "0":
        raise SandboxError(card_protocol.ERR_INVALID)
    return card_protocol.card_fields(
        cards.search_card(data["SiteID"], data.get("MemberID", ""), data.get("CardSeq", ""))
    )


@site_api
def delete_card(data):
    """``DeleteCard.idPass``."""
    card = cards.delete_card(data["SiteID"], data.get("MemberID", ""), data.get("CardSeq", ""))
    return [("CardSeq", str(card.card_seq))]


@site_api
def exec_tran(data):
    """``ExecTran.idPass`` with MemberID and CardSeq (a card on file; SiteID and SitePass name the site)."""
    trade = cards.exec_tran(
        access_id=data.get("AccessID", ""), access_pass=data.get("AccessPass", ""), order_id=data.get("OrderID", ""),
        site_id=data["SiteID"], member_id=data.get("MemberID", ""), card_seq=data.get("CardSeq", ""),
    )  # fmt: skip
    if trade.err_code:
        raise _CardError(trade)
    return card_protocol.exec_fields(trade)


@csrf_exempt
@require_POST
def entry_tran(request):
    """``EntryTran.idPass``: a shop API call (ShopID and ShopPass)."""
    shop_id = request.POST.get("ShopID", "")
    expected = protocol.shop_pass_for(shop_id)
    if expected is None or not protocol.same_secret(request.POST.get("ShopPass", ""), expected):
        return _error(protocol.ERR_SHOP_PASS)
    amount, tax = request.POST.get("Amount", ""), request.POST.get("Tax", "0") or "0"
    if not (protocol.WHOLE_YEN_RE.fullmatch(amount) and protocol.WHOLE_YEN_RE.fullmatch(tax)):
        return _error(card_protocol.ERR_INVALID)
    try:
        trade = cards.entry_tran(shop_id, order_id=request.POST.get("OrderID", ""), amount=int(amount), tax=int(tax),
                                 job_cd=request.POST.get("JobCd", ""))  # fmt: skip
    except SandboxError as error:
        return _error(str(error))
    return _answer(card_protocol.entry_fields(trade))


class MemberPageView(View):
    """``link/v1/plus/<shop_id>/member/<payload>.<hash>``: the member registers or replaces a card."""

    def dispatch(self, request, shop_id, token):
        try:
            self.params = card_protocol.read_member_page(shop_id, token)
        except protocol.CheckoutRefused as exc:
            return render(request, "gateway_sandbox/refused.html", {"message": str(exc)}, status=400)
        self.site_id = settings.GMO_SITE_ID
        try:
            self.member = cards.search_member(self.site_id, self.params.member_id)
        except SandboxError:
            return render(request, "gateway_sandbox/refused.html", {"message": "E01 unknown MemberID"}, status=400)
        return super().dispatch(request, shop_id, token)

    def render(self, template, **context):
        current = cards.live_cards(self.member)
        context.update(params=self.params, current=current[0] if current else None,
                       test_cards={"ok": protocol.CARD_OK, "declined": protocol.CARD_DECLINED,
                                   "expired": protocol.CARD_EXPIRED})  # fmt: skip
        return render(self.request, f"gateway_sandbox/{template}", context)

    def get(self, request, *args, **kwargs):
        return self.render("member_card_form.html", form=CardRegistrationForm())

    def post(self, request, *args, **kwargs):
        form = CardRegistrationForm(request.POST)
        if not form.is_valid():
            return self.render("member_card_form.html", form=form)
        month, year = form.cleaned_data["expiry"].split("/")
        card = cards.save_card(self.site_id, self.params.member_id, card_number=form.cleaned_data["card_number"],
                               expire=f"{year}{month}", holder_name=form.cleaned_data["holder_name"])  # fmt: skip
        return self.render("member_card_done.html", card=card)
