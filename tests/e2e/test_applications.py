"""休会申請 (guide 12) in a real browser: apply from the menu, see it in the secretariat's hands
on the page and the dashboard, then take it back (取下げ)."""

import datetime
import re

from playwright.sync_api import expect

from tests.e2e.helpers import log_in, open_menu_entry, shoot


def test_member_applies_for_leave_and_takes_it_back(page, viewport, artifacts_dir):
    start = datetime.date.today() + datetime.timedelta(days=14)
    log_in(page)
    open_menu_entry(page, viewport, "休会申請")
    expect(page).to_have_url(re.compile(r"/member/applications/leave$"))

    # Submitting without a reason for 「その他」 shows the message at the field; nothing is lost.
    page.get_by_label("休会開始日").fill(start.isoformat())
    page.get_by_label("休会理由").select_option(label="その他")
    page.get_by_role("button", name="申請する").click()
    expect(page.get_by_text("休会理由が「その他」の場合は、理由を入力してください。")).to_be_visible()
    expect(page.get_by_label("休会開始日")).to_have_value(start.isoformat())

    page.get_by_label("休会理由").select_option(label="出産・育児")
    page.get_by_label("理由・連絡事項").fill("育児休業のため")
    page.get_by_role("button", name="申請する").click()
    expect(page.get_by_text("休会申請を受け付けました。")).to_be_visible()
    row = page.locator("tr.application-row.state-submitted")
    expect(row.locator(".application-state")).to_have_text("事務局確認中")
    expect(page.get_by_label("休会開始日")).to_have_count(0)  # one application at a time
    shoot(page, artifacts_dir, f"application-leave-{viewport}-submitted")
    # Nothing is cut off on a phone: the page is no wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    open_menu_entry(page, viewport, "ダッシュボード")
    expect(page.get_by_text("休会申請は事務局で確認中です。")).to_be_visible()

    open_menu_entry(page, viewport, "休会申請")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr.application-row.state-submitted").get_by_role("button", name="取下げ").click()
    expect(page.get_by_text("休会申請を取り下げました。")).to_be_visible()
    expect(page.locator("tr.application-row.state-submitted")).to_have_count(0)
    expect(page.get_by_label("休会開始日")).to_be_visible()
