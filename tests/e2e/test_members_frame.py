"""お知らせ and お問い合わせ are Wagtail pages: a logged-in member reads them inside the
members-area frame (menu, name, logout), a visitor on the public site (issue 13, item 5)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e


def expect_members_frame(page, viewport, current):
    expect(page.get_by_role("link", name="会員ログイン")).to_have_count(0)
    expect(page.locator(".member-header")).to_contain_text("様")
    menu = page.locator("nav#member-menu")
    expect(menu.locator("a[aria-current=page]")).to_have_text(current)
    if viewport == "desktop":
        expect(menu).to_be_visible()
    else:
        expect(page.get_by_role("button", name="メニュー")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_member_keeps_the_menu_on_notices_and_the_inquiry_form(page, viewport, artifacts_dir):
    log_in(page)
    open_menu_entry(page, viewport, "お知らせ一覧")
    page.locator(".notice-list a").first.click()
    expect(page).to_have_url(re.compile(r"/notices/[^/]+/$"))
    expect_members_frame(page, viewport, "お知らせ一覧")
    notice_url = page.url
    shoot(page, artifacts_dir, f"members-frame-{viewport}-notice")
    page.get_by_role("link", name="お知らせ一覧へ戻る").click()
    expect(page).to_have_url(re.compile(r"/member/notices$"))

    open_menu_entry(page, viewport, "お問い合わせ")
    expect(page).to_have_url(re.compile(r"/inquiry/$"))
    expect(page.get_by_role("heading", level=1, name="お問い合わせ")).to_be_visible()
    expect_members_frame(page, viewport, "お問い合わせ")
    shoot(page, artifacts_dir, f"members-frame-{viewport}-inquiry")
    open_menu_entry(page, viewport, "ダッシュボード")  # the menu works from the Wagtail page
    expect(page).to_have_url(re.compile(r"/member/?$"))

    # Logged out, the same notice is on the public site.
    page.context.clear_cookies()
    page.goto(notice_url)
    expect(page.get_by_role("link", name="会員ログイン")).to_be_visible()
    expect(page.locator("nav#member-menu")).to_have_count(0)
    shoot(page, artifacts_dir, f"members-frame-{viewport}-notice-public")
