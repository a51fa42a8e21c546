"""会員詳細 in a real browser: view, 編集, change phone and postal code, 保存, read-only again."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e

PHONES = {"desktop": ("０３-１２３４-５６７８", "0312345678"), "phone": ("06-9876-５４３２", "0698765432")}


def test_member_edits_phone_and_postal_code(page, viewport, artifacts_dir):
    typed_phone, stored_phone = PHONES[viewport]
    log_in(page)
    open_menu_entry(page, viewport, "会員詳細")

    expect(page).to_have_url(re.compile(r"/member/profile$"))
    expect(page.locator(".mode-label")).to_have_text("参照")
    expect(page.locator("form.profile-form")).to_have_count(0)
    shoot(page, artifacts_dir, f"profile-{viewport}-view")

    page.get_by_role("link", name="編集").click()
    expect(page.locator(".mode-label")).to_have_text("編集")

    page.get_by_label("電話番号").fill(typed_phone)
    home = page.locator("fieldset", has=page.locator("legend", has_text="自宅"))
    home.get_by_label("郵便番号").fill("530-0001")
    expect(home.get_by_label("都道府県")).to_have_value("大阪府")
    expect(home.get_by_label("住所1(市区町村・番地)")).to_have_value(re.compile("^大阪市北区梅田"))
    home.get_by_label("住所1(市区町村・番地)").fill("大阪市北区梅田1-2-3")
    shoot(page, artifacts_dir, f"profile-{viewport}-edit")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/member/profile$"))
    expect(page.get_by_text("会員情報を保存しました。")).to_be_visible()
    expect(page.locator(".mode-label")).to_have_text("参照")
    expect(page.locator("#phone-value")).to_have_text(stored_phone)
    expect(page.get_by_text("大阪府大阪市北区梅田1-2-3")).to_be_visible()
    shoot(page, artifacts_dir, f"profile-{viewport}-saved")


@pytest.mark.parametrize("viewport", ["phone"])
def test_leaving_the_form_without_saving_keeps_the_old_data(page, viewport):
    log_in(page)
    page.goto("/member/profile")
    before = page.locator("#mobile-value").inner_text()
    page.get_by_role("link", name="編集").click()
    page.get_by_label("携帯番号").fill("08000000000")
    open_menu_entry(page, viewport, "ダッシュボード")
    page.goto("/member/profile")
    expect(page.locator("#mobile-value")).to_have_text(before)
