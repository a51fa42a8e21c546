"""資格更新確認 (guide 7) in a real browser: the dashboard's renewal notice, the points, 資格更新申請
→ 申請する → 事務局確認中; and taking an application back."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import RENEWAL_MEMBER_NUMBERS
from tests.e2e.helpers import log_in, open_menu_entry, shoot

# Desktop: the member who may apply. Phone: the member who has applied (takes it back, applies again).
MEMBER = {"desktop": RENEWAL_MEMBER_NUMBERS[0], "phone": RENEWAL_MEMBER_NUMBERS[1]}


def test_member_applies_for_renewal(page, viewport, artifacts_dir):
    log_in(page, number=MEMBER[viewport])
    notice = page.get_by_role("link", name=re.compile("資格更新のお手続きをお願いします"))
    if viewport == "desktop":
        expect(notice).to_be_visible()
        notice.click()
    else:
        expect(notice).to_have_count(0)  # applied already: no call to act
        open_menu_entry(page, viewport, "資格更新確認")
        expect(page.locator("#step-review")).to_contain_text("事務局確認中")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="申請を取り下げる").click()
        expect(page.get_by_text("資格更新申請を取り下げました。")).to_be_visible()

    expect(page).to_have_url(re.compile(r"/member/renewal$"))
    expect(page.get_by_text("更新に必要な条件を満たしています(総得点 50 / 50点)")).to_be_visible()
    page.get_by_role("link", name="資格更新申請").click()
    expect(page.get_by_role("heading", name="更新申請確認")).to_be_visible()
    page.get_by_role("button", name="申請する").click()

    expect(page.get_by_text("資格更新申請を受け付けました。")).to_be_visible()
    expect(page.locator("#step-review")).to_contain_text("事務局確認中")
    expect(page.locator("#step-payment").get_by_role("button", name="お支払い")).to_be_disabled()
    shoot(page, artifacts_dir, f"renewal-{viewport}-submitted")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    open_menu_entry(page, viewport, "受講履歴ポイント照会")
    expect(page.get_by_text(re.compile(r"総得点: ?50 ?/ ?50点"))).to_be_visible()
    shoot(page, artifacts_dir, f"credits-{viewport}")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
