"""自動継続 in a real browser: register a card at the sandbox's page, see it masked, stop it."""

import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_MEMBER_PASSWORD
from tests.e2e.conftest import browser_page, running_app
from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e

PORT = 8642  # this module's own server (the helper's port range)
AUTOPAY_MEMBER_NUMBERS = {"desktop": "0099031", "phone": "0099032"}
SETUP = f"""
from membership.models import Member, User
for number in {tuple(AUTOPAY_MEMBER_NUMBERS.values())!r}:
    user = User.objects.create_user(username=number, email=f"autopay-{{number}}@example.jp",
        password="{DEMO_MEMBER_PASSWORD}")
    Member.objects.create(user=user, member_number=number, family_name="高橋", given_name="花子",
        family_name_kana="タカハシ", given_name_kana="ハナコ")
"""


@pytest.fixture(scope="module")
def autopay_app():
    with running_app(setup=SETUP, port=PORT) as app:
        yield app


@pytest.fixture
def autopay_page(browser, autopay_app, viewport):
    with browser_page(browser, autopay_app.url, viewport) as page:
        yield page


def test_member_registers_a_card_sees_it_masked_and_stops(autopay_page, viewport, artifacts_dir):
    page = autopay_page
    log_in(page, number=AUTOPAY_MEMBER_NUMBERS[viewport])
    open_menu_entry(page, viewport, "会費支払い明細")
    panel = page.locator("#autopay")
    expect(panel.get_by_role("heading", name="会費のカード自動払い(自動継続)")).to_be_visible()
    panel.get_by_role("button", name="カードを登録する").click()

    # The gateway's own page: the card number is typed there, never into our site.
    expect(page).to_have_url(re.compile(r"/sandbox-gateway/link/v1/plus/[^/]+/member/"))
    page.get_by_label("カード番号", exact=True).fill("4111111111111111")
    page.get_by_label("有効期限(月/年)").fill("04/31")
    page.get_by_label("カード名義人(半角ローマ字)").fill("HANAKO TAKAHASHI")
    page.get_by_label("セキュリティコード").fill("123")
    shoot(page, artifacts_dir, f"autopay-{viewport}-gateway")
    page.get_by_role("button", name="カードを登録する").click()
    expect(page.get_by_role("heading", name="カードを登録しました")).to_be_visible()
    page.get_by_role("button", name="ショップに戻る").click()

    # Back on 会費支払い明細: the card as the gateway reports it, masked, with its expiry.
    expect(page.get_by_text(re.compile("自動払いを受け付けました"))).to_be_visible()
    expect(panel.locator(".card-number")).to_have_text("************1111")
    expect(panel.locator(".card-expiry")).to_have_text("2031年4月")
    shoot(page, artifacts_dir, f"autopay-{viewport}-registered")

    asked = []  # one tap does not stop it: the member confirms first
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    panel.get_by_role("button", name="自動払いを停止する").click()
    expect(page.get_by_text("会費の自動払いを停止しました。登録カードは削除されました。")).to_be_visible()
    assert asked and "自動払いを停止" in asked[0]
    expect(panel.get_by_role("button", name="カードを登録する")).to_be_visible()
    expect(panel.locator(".card-number")).to_have_count(0)
    shoot(page, artifacts_dir, f"autopay-{viewport}-stopped")
