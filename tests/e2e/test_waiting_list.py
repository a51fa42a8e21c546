"""キャンセル待ち in a real browser at phone size: a member joins the waiting list of a full
session, the member holding its only seat cancels, and the waiting member accepts the seat
offered (the page the offer mail links to) and finds it in 学会・セミナー参加一覧.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    VIEWPORTS,
    WAITLIST_HOLDER_NUMBER,
    WAITLIST_SEMINAR,
    WAITLIST_WAITER_NUMBER,
    browser_page,
)
from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e


def assert_no_sideways_scroll(page, viewport):
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


def test_a_waiting_member_accepts_the_offered_seat(browser, app_url, app_server, artifacts_dir):
    viewport = "phone"
    with browser_page(browser, app_url, viewport) as waiter:
        log_in(waiter, number=WAITLIST_WAITER_NUMBER)
        open_menu_entry(waiter, viewport, "学会・セミナー一覧")
        waiter.get_by_label("学会・セミナー名").fill(WAITLIST_SEMINAR)
        waiter.get_by_role("button", name="検索").click()
        row = waiter.locator("tr.session-row", has_text=WAITLIST_SEMINAR)
        expect(row).to_contain_text("定員に達しました")
        row.get_by_role("button", name="キャンセル待ちに登録").click()
        expect(waiter.locator(".message")).to_contain_text("キャンセル待ちに登録しました")
        entry = waiter.locator(".waiting-entry", has_text=WAITLIST_SEMINAR)
        expect(entry).to_contain_text("1番目")
        shoot(waiter, artifacts_dir, "waiting-list-phone-waiting")
        assert_no_sideways_scroll(waiter, viewport)

        mails_from = app_server.log_size()
        with browser_page(browser, app_url, viewport) as holder:
            log_in(holder, number=WAITLIST_HOLDER_NUMBER)
            open_menu_entry(holder, viewport, "学会・セミナー参加一覧")
            holder.once("dialog", lambda dialog: dialog.accept())
            holder.locator("tr.registration-row", has_text=WAITLIST_SEMINAR).get_by_role("button", name="取消").click()
            expect(holder.locator(".message")).to_contain_text("参加申込を取り消しました")

        # The offer mail (console backend) links to the offer page.
        found = re.findall(r"https?://\S+(/member/seminars/waitlist/\d+/offer)", app_server.mails_since(mails_from))
        assert found, "no offer mail in the server's output"
        offer_path = found[-1]

        waiter.reload()
        expect(entry).to_contain_text("席のご案内があります")
        entry.get_by_role("link", name="回答する").click()
        expect(waiter.get_by_role("heading", level=1, name="キャンセル待ちのご案内")).to_be_visible()
        assert waiter.url.endswith(offer_path)
        expect(waiter.locator(".offer-summary")).to_contain_text("回答期限")
        shoot(waiter, artifacts_dir, "waiting-list-phone-offer")
        assert_no_sideways_scroll(waiter, viewport)
        waiter.get_by_role("button", name="申し込む").click()
        expect(waiter.locator(".message")).to_contain_text("参加申込を受け付けました")
        mine = waiter.locator("tr.registration-row", has_text=WAITLIST_SEMINAR)
        expect(mine).to_have_count(1)
        expect(waiter.locator(".waiting-entry")).to_have_count(0)
        shoot(waiter, artifacts_dir, "waiting-list-phone-registered")
