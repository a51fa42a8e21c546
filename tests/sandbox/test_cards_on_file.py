"""Cards on file (docs/payment-gateway.md sections 5 to 7), spoken to the sandbox as a stranger would."""

import base64
import hashlib
import json

import pytest
from django.conf import settings

from gateway_sandbox.models import SandboxCard, SandboxNotification, SandboxTrade

from .helpers import CARD_FORM, parse_answer, path_of

pytestmark = pytest.mark.django_db

SITE = {"SiteID": "tsite00000001", "SitePass": "sandbox-site-pass"}
SHOP = {"ShopID": "tshop00000001", "ShopPass": "sandbox-pass"}


def call(client, name, **fields):
    response = client.post(path_of(f"{settings.GMO_API_URL}/payment/{name}.idPass"), fields)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return parse_answer(response.content.decode("utf-8"))


def member_page(member_id="JM0000000001", shop_pass="sandbox-pass"):
    params = {"configid": settings.GMO_CONFIG_ID,
              "member": {"Cardeditno": "edit-1", "MemberID": member_id, "CardMaxCnt": "1",
                         "RetUrl": "https://members.example.jp/member/dues/autopay/return",
                         "CancelUrl": "https://members.example.jp/member/dues"}}  # fmt: skip
    payload = base64.urlsafe_b64encode(json.dumps(params).encode()).decode()
    digest = hashlib.sha256((payload + shop_pass).encode()).hexdigest()
    return path_of(f"{settings.GMO_LINK_URL}/v1/plus/tshop00000001/member/{payload}.{digest}")


def register(client, number, expiry="12/39", member_id="JM0000000001"):
    call(client, "SaveMember", **SITE, MemberID=member_id, MemberName="山田 花子")
    return client.post(member_page(member_id), {**CARD_FORM, "card_number": number, "expiry": expiry})


def charge(client, order_id, member_id="JM0000000001"):
    entry = call(client, "EntryTran", **SHOP, OrderID=order_id, JobCd="CAPTURE", Amount="5000", Tax="0")
    return call(client, "ExecTran", **SITE, AccessID=entry["AccessID"], AccessPass=entry["AccessPass"],
                OrderID=order_id, Method="1", MemberID=member_id, SeqMode="0", CardSeq="0")  # fmt: skip


def test_members_are_saved_once_and_searched(client):
    assert call(client, "SearchMember", **SITE, MemberID="JM1")["ErrInfo"] == "E01390002"
    assert call(client, "SaveMember", **SITE, MemberID="JM1", MemberName="山田")["MemberID"] == "JM1"
    assert call(client, "SaveMember", **SITE, MemberID="JM1")["ErrInfo"] == "E01390010"
    assert call(client, "SearchMember", **SITE, MemberID="JM1")["DeleteFlag"] == "0"
    assert call(client, "SearchMember", SiteID="tsite00000001", SitePass="wrong", MemberID="JM1")["ErrInfo"] == (
        "E01210002"
    )


def test_the_card_page_registers_and_replaces_the_one_card_and_search_masks_it(client):
    assert "カードを登録しました" in register(client, "4111111111111111", expiry="04/31").content.decode()
    answer = call(client, "SearchCard", **SITE, MemberID="JM0000000001", SeqMode="0")
    assert (answer["CardSeq"], answer["CardNo"], answer["Expire"]) == ("0", "************1111", "3104")
    page = client.get(member_page()).content.decode()
    assert "************1111" in page  # the current card is shown before replacing it
    client.post(member_page(), {**CARD_FORM, "card_number": "4000000000000002", "expiry": "01/33"})
    answer = call(client, "SearchCard", **SITE, MemberID="JM0000000001", SeqMode="0")
    assert (answer["CardSeq"], answer["CardNo"], answer["Expire"]) == ("0", "************0002", "3301")
    assert SandboxCard.objects.count() == 1


def test_the_card_page_refuses_a_bad_signature_and_an_unknown_member(client):
    assert client.get(member_page(shop_pass="wrong")).status_code == 400
    assert client.get(member_page(member_id="JM-nobody")).status_code == 400


def test_deleted_cards_are_gone(client):
    register(client, "4111111111111111")
    assert call(client, "DeleteCard", **SITE, MemberID="JM0000000001", SeqMode="0", CardSeq="0")["CardSeq"] == "0"
    assert call(client, "SearchCard", **SITE, MemberID="JM0000000001", SeqMode="0")["ErrInfo"] == "E01240002"
    assert charge(client, "A2026-0000000001")["ErrInfo"] == "E01240002"


@pytest.mark.parametrize(
    ("number", "expiry", "error"),
    [("4111111111111111", "12/39", None), ("4000000000000002", "12/39", ("G02", "42G020000")),
     ("4000000000000069", "12/39", ("G83", "42G830000"))],
)  # fmt: skip
def test_charging_a_card_on_file_captures_or_declines(client, commit, notify, number, expiry, error):
    register(client, number, expiry=expiry)
    with commit():
        answer = charge(client, "A2026-0000000001")
    trade = SandboxTrade.objects.get(order_id="A2026-0000000001")
    if error is None:
        assert answer["OrderID"] == "A2026-0000000001" and "ErrCode" not in answer
        assert (trade.status, trade.job_cd, trade.card_number_masked) == ("CAPTURE", "CAPTURE", "************1111")
    else:
        assert (answer["ErrCode"], answer["ErrInfo"]) == error
        assert trade.status == "UNPROCESSED"
    assert SandboxNotification.objects.filter(trade=trade).count() == 1  # notified either way
    search = call(client, "SearchTradeMulti", **SHOP, OrderID="A2026-0000000001", PayType="0")
    assert search["Status"] == trade.status


def test_an_order_id_is_entered_and_executed_once(client, commit, notify):
    register(client, "4111111111111111")
    with commit():
        charge(client, "A2026-0000000001")
    again = call(client, "EntryTran", **SHOP, OrderID="A2026-0000000001", JobCd="CAPTURE", Amount="5000", Tax="0")
    assert again["ErrInfo"] == "E01040010"
    trade = SandboxTrade.objects.get()
    repeat = call(client, "ExecTran", **SITE, AccessID=trade.access_id, AccessPass=trade.access_pass,
                  OrderID=trade.order_id, Method="1", MemberID="JM0000000001", SeqMode="0", CardSeq="0")  # fmt: skip
    assert repeat["ErrInfo"] == "E01050004"
    assert SandboxTrade.objects.filter(status="CAPTURE").count() == 1
