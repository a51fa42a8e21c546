"""Closing an attempt that reached the gateway, under `make run`'s set-up (SQLite, the sandbox
served by the same server in a SQLite file of its own).

Our billing code voids the order at the gateway while holding the attempt's lock; with the
sandbox in our SQLite file the void could not be recorded ("database is locked") and the member
read 「決済会社に状態を確認できませんでした」. Here the member cancels, and staff record money
taken at the counter, each time with the gateway's checkout page open in the member's browser.
"""

import re

import pytest
from playwright.sync_api import expect

from core.dates import current_fiscal_year
from membership.demo import DEMO_STAFF_PASSWORD
from tests.e2e.conftest import CANCELLING_MEMBER_NUMBERS, COUNTER_MEMBER_NUMBER, E2E_STAFF_USERNAME, VIEWPORTS
from tests.e2e.helpers import enrol_staff, log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e

ATTEMPT_URL = re.compile(r"/member/payments/([^/]+)$")


def row(page, year):
    return page.locator(f"tr.invoice-row[data-fiscal-year='{year}']")


def open_card_checkout(page, viewport, year):
    """From the dues list to the gateway's card form; returns (our attempt's URL, the checkout URL)."""
    open_menu_entry(page, viewport, "会費支払い明細")
    row(page, year).get_by_role("link", name="会員情報確認 支払手続き").click()
    page.get_by_role("button", name="変更してお支払い手続きへ").click()
    page.get_by_label("クレジットカード(一括払い)").check()
    page.get_by_role("button", name="決定").click()
    expect(page).to_have_url(ATTEMPT_URL)
    attempt_url = page.url
    page.get_by_role("link", name="GMO お支払い手続きページ").click()
    expect(page.get_by_label("カード番号", exact=True)).to_be_visible()
    return attempt_url, page.url


def expect_voided_at_the_gateway(page, checkout_url):
    """The member's old checkout page no longer takes the card."""
    page.goto(checkout_url)
    expect(page.get_by_role("heading", name="お支払い手続きを開始できません")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("E01 order has been voided")


def expect_void_notified(page, order_id):
    """The sandbox console: the order is VOID and its notification reached us (受領), sent
    after the sandbox answered our void; reloaded until it has arrived."""
    page.goto("/sandbox-gateway/console/")
    trade = page.locator(f"tr[data-order-id='{order_id}']")
    for _ in range(20):
        if "受領" in trade.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(trade.locator("td").nth(2)).to_have_text("VOID")
    expect(trade.locator("td").nth(5)).to_contain_text(re.compile(r"VOID\s+受領"))


def test_member_cancels_a_card_attempt_at_the_gateway_and_chooses_again(page, viewport, artifacts_dir):
    year = current_fiscal_year() - 1
    log_in(page, number=CANCELLING_MEMBER_NUMBERS[viewport])
    attempt_url, checkout_url = open_card_checkout(page, viewport, year)

    # Back on our page (the gateway's page stays open in another tab): 取り消して支払方法を選び直す.
    page.goto(attempt_url)
    page.get_by_role("button", name="取り消して支払方法を選び直す").click()
    expect(page.get_by_text("お支払い手続きを取り消しました。もう一度お支払方法を選んでください。")).to_be_visible()
    expect(page.get_by_text("決済会社に状態を確認できませんでした")).to_have_count(0)
    expect(row(page, year).locator(".paid-on")).to_have_text("未納")
    expect(row(page, year).get_by_role("link", name="会員情報確認 支払手続き")).to_be_visible()
    shoot(page, artifacts_dir, f"payment-cancel-{viewport}-dues")

    expect_voided_at_the_gateway(page, checkout_url)
    expect_void_notified(page, ATTEMPT_URL.search(attempt_url)[1])


@pytest.mark.parametrize("viewport", ["desktop"])
def test_staff_record_a_counter_payment_while_the_member_is_at_the_gateway(
    page, viewport, browser, app_url, artifacts_dir
):
    year = current_fiscal_year() - 1
    log_in(page, number=COUNTER_MEMBER_NUMBER)
    attempt_url, checkout_url = open_card_checkout(page, viewport, year)

    # Meanwhile the member paid at the counter (窓口); staff record it in the admin.
    staff = browser.new_context(base_url=app_url, viewport=VIEWPORTS[viewport], locale="ja-JP")
    try:
        admin = staff.new_page()
        enrol_staff(admin, E2E_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
        admin.goto(f"/admin/snippets/membership/invoice/?q={COUNTER_MEMBER_NUMBER}")
        year_cell = admin.locator("td", has_text=re.compile(rf"^\s*{year}\s*$"))
        admin.locator("table.listing tbody tr", has=year_cell).locator("td.title a").click()
        admin.get_by_role("link", name="入金を記録").click()
        admin.get_by_label("窓口").check()
        admin.get_by_role("button", name="入金を記録する").click()
        expect(admin.get_by_text(re.compile(r"入金を記録しました(.*領収書番号 \d{4}-\d{6})"))).to_be_visible()
        expect(admin.get_by_text("決済会社に状態を確認できませんでした")).to_have_count(0)
        shoot(admin, artifacts_dir, "payment-cancel-admin-counter-payment")
    finally:
        staff.close()

    # The member's checkout page no longer takes the card, and the dues list shows it paid.
    expect_voided_at_the_gateway(page, checkout_url)
    expect_void_notified(page, ATTEMPT_URL.search(attempt_url)[1])
    page.goto("/member/dues")
    expect(row(page, year).locator(".paid-on")).to_have_text(re.compile(r"\d{4}/\d{2}/\d{2}"))
    expect(row(page, year)).to_contain_text("窓口")
