"""Guide 4 ②: a name with 﨑 and no alternate spelling stops at step ②, told why at the field (issue 13, item 2)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ALTERNATE_NAME_MEMBER_NUMBERS
from tests.e2e.helpers import log_in, open_menu_entry, shoot

pytestmark = pytest.mark.e2e


def test_step_two_waits_for_the_alternate_spelling(page, viewport, artifacts_dir):
    log_in(page, number=ALTERNATE_NAME_MEMBER_NUMBERS[viewport])
    open_menu_entry(page, viewport, "会費支払い明細")
    page.get_by_role("link", name="会員情報確認 支払手続き").first.click()
    page.get_by_role("button", name="変更してお支払い手続きへ").click()

    # Still step ②: the reason and the member's own name as the example, next to 代替文字.
    alternate = page.get_by_label("代替文字")
    expect(alternate).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_alternate_name_error")
    expect(error).to_contain_text("例: 山﨑 花子 → 山崎 花子")
    expect(page.get_by_role("button", name="決定")).to_have_count(0)
    shoot(page, artifacts_dir, f"payment-name-{viewport}-refused")

    alternate.fill("山崎 花子")
    page.get_by_role("button", name="変更してお支払い手続きへ").click()
    expect(page).to_have_url(re.compile(r"/member/dues/\d+/method"))
    expect(page.get_by_role("button", name="決定")).to_be_enabled()
