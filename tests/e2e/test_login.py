"""Logging in to the members area and finding the menu, at desktop and phone sizes."""

import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_MEMBER_PASSWORD
from tests.e2e.helpers import log_in, shoot

pytestmark = pytest.mark.e2e


def test_member_logs_in_and_finds_notices(page, viewport, artifacts_dir):
    log_in(page)

    expect(page).to_have_url(re.compile(r"/member/?$"))
    expect(page.get_by_role("heading", level=1, name="ダッシュボード")).to_be_visible()
    menu = page.locator("nav#member-menu")
    notices_link = menu.get_by_role("link", name="お知らせ一覧")
    toggle = page.locator(".menu-toggle")
    shoot(page, artifacts_dir, f"login-{viewport}-dashboard")

    if viewport == "desktop":
        expect(toggle).to_be_hidden()
        expect(menu).to_be_visible()
        expect(notices_link).to_be_visible()
    else:
        expect(menu).to_be_hidden()
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-label", "メニュー")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        page.wait_for_load_state("load")  # the menu script is deferred
        page.get_by_role("button", name="メニュー").click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(menu).to_be_visible()
        expect(notices_link).to_be_visible()
        shoot(page, artifacts_dir, f"login-{viewport}-menu-open")

    notices_link.click()

    expect(page).to_have_url(re.compile(r"/member/notices$"))
    expect(page.get_by_role("heading", level=1, name="お知らせ一覧")).to_be_visible()
    members_only = page.locator(".notice-list li").filter(has=page.locator(".badge", has_text="会員限定"))
    expect(members_only.first).to_be_visible()
    assert members_only.count() >= 1
    shoot(page, artifacts_dir, f"login-{viewport}-notices")


@pytest.mark.parametrize("viewport", ["desktop"])
def test_password_is_case_sensitive(page, viewport, artifacts_dir):
    log_in(page, password=DEMO_MEMBER_PASSWORD.lower())

    expect(page).to_have_url(re.compile(r"/member/login"))
    expect(page.get_by_role("alert")).to_contain_text("会員番号またはパスワードが正しくありません")
    expect(page.get_by_role("heading", name="ダッシュボード")).to_have_count(0)
    shoot(page, artifacts_dir, f"login-{viewport}-wrong-password")
