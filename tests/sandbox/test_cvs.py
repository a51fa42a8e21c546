"""Convenience-store checkout: chain, name and phone, confirmation, numbers and deadline."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway_sandbox.models import SandboxTrade
from gateway_sandbox.services import payment_deadline

from .helpers import ORDER_ID, RET_URL, checkout_path, pay_at_store

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")


def test_store_form_offers_the_four_chains_and_prefills_the_customer(client):
    content = client.get(checkout_path(method="cvs")).content.decode()

    for name in ("ローソン", "ファミリーマート", "ミニストップ", "セイコーマート"):
        assert name in content
    for code in ("10001", "10002", "10005", "10008"):
        assert f'value="{code}"' in content
    assert 'value="セブン' not in content
    assert 'value="山田 花子"' in content
    assert 'value="0312345678"' in content


def test_confirm_screen_changes_nothing(client, commit, notify):
    path = checkout_path(method="cvs")
    client.get(path)

    with commit():
        response = client.post(
            path, {"step": "confirm", "cvs_code": "10002", "name": "山田 花子", "phone": "03-1234-5678"}
        )

    content = response.content.decode()
    assert "入力内容の確認" in content
    assert "ファミリーマート" in content
    assert 'name="phone" value="0312345678"' in content
    assert SandboxTrade.objects.get().status == "UNPROCESSED"
    assert not notify.requests


def test_store_payment_issues_numbers_and_a_deadline_seven_days_ahead(client, commit, notify):
    response = pay_at_store(client, commit, cvs_code="10001")

    trade = SandboxTrade.objects.get(order_id=ORDER_ID)
    assert trade.status == "REQSUCCESS"
    assert trade.cvs_code == "10001"
    assert re.fullmatch(r"\d{4,6}", trade.cvs_conf_no)
    assert re.fullmatch(r"\d{11,13}", trade.cvs_receipt_no)
    assert (trade.cvs_name, trade.cvs_phone) == ("ヤマダ ハナコ", "0312345678")
    issued_on = trade.tran_date.astimezone(JST).date()
    deadline = trade.payment_term.astimezone(JST)
    assert deadline.date() == issued_on + timedelta(days=7)
    assert (deadline.hour, deadline.minute, deadline.second) == (23, 59, 59)

    fields = notify.forms()[0]
    assert fields["Status"] == "REQSUCCESS"
    assert fields["PayType"] == "3"
    assert fields["JobCd"] == ""
    assert fields["CvsCode"] == "10001"
    assert fields["CvsConfNo"] == trade.cvs_conf_no
    assert fields["CvsReceiptNo"] == trade.cvs_receipt_no
    assert fields["PaymentTerm"] == deadline.strftime("%Y%m%d") + "235959"

    content = response.content.decode()
    assert "コンビニエンスストアお支払い申し込みが完了しました" in content
    assert "¥5,000" in content
    assert "ローソン/ミニストップでお支払いの場合" in content
    assert trade.cvs_receipt_no in content and trade.cvs_conf_no in content
    assert deadline.strftime("%Y/%m/%d") + " 23:59:59" in content
    assert "「Loppi」を使ってのお支払い方法" in content
    assert f'action="{RET_URL}"' in content
    assert 'name="Status" value="REQSUCCESS"' in content


@pytest.mark.parametrize(
    ("cvs_code", "heading", "machine"),
    [
        ("10002", "ファミリーマートでお支払いの場合", "Famiポート"),
        ("10005", "ローソン/ミニストップでお支払いの場合", "Loppi"),
        ("10008", "セイコーマートでお支払いの場合", "クラブステーション"),
    ],
)
def test_completion_page_explains_how_to_pay_at_the_chosen_chain(client, commit, notify, cvs_code, heading, machine):
    content = pay_at_store(client, commit, cvs_code=cvs_code).content.decode()

    assert heading in content
    assert machine in content


def test_payment_term_day_from_the_parameters_is_used(client, commit, notify):
    pay_at_store(client, commit, term_days=3)

    trade = SandboxTrade.objects.get()
    assert trade.payment_term.astimezone(JST).date() == trade.tran_date.astimezone(JST).date() + timedelta(days=3)


def test_deadline_counts_days_in_japan_time():
    # 2022-11-03 23:30 in Tokyo is still the 3rd there: due 2022/11/10 23:59:59.
    assert payment_deadline(datetime(2022, 11, 3, 14, 30, tzinfo=ZoneInfo("UTC")), 7) == datetime(
        2022, 11, 10, 23, 59, 59, tzinfo=JST
    )
    # 2022-11-03 16:00 UTC is already the 4th in Tokyo.
    assert payment_deadline(datetime(2022, 11, 3, 16, 0, tzinfo=ZoneInfo("UTC")), 7).date().day == 11


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"cvs_code": "10001", "name": "ﾔﾏﾀﾞ ﾊﾅｺ", "phone": "0312345678"}, "半角カタカナ"),
        ({"cvs_code": "10001", "name": "髙橋 花子", "phone": "0312345678"}, "使えない文字"),
        ({"cvs_code": "10001", "name": "山田 花子", "phone": "12345"}, "電話番号"),
        ({"cvs_code": "99999", "name": "山田 花子", "phone": "0312345678"}, "選択"),
    ],
)
def test_store_form_errors(client, form, message):
    path = checkout_path(method="cvs")
    client.get(path)

    response = client.post(path, {**form, "step": "complete"})

    assert message in response.content.decode()
    assert SandboxTrade.objects.get().status == "UNPROCESSED"


def test_back_from_the_confirm_screen_keeps_the_input(client):
    path = checkout_path(method="cvs")
    client.get(path)

    response = client.post(path, {"step": "back", "cvs_code": "10008", "name": "山田 花子", "phone": "0312345678"})

    content = response.content.decode()
    assert "確認画面へ" in content
    assert re.search(r'value="10008"[^>]*checked', content)
