"""Steps shared by the browser tests."""

from playwright.sync_api import expect

from membership.demo import DEMO_MEMBER_NUMBER, DEMO_MEMBER_PASSWORD


def log_in(page, password=DEMO_MEMBER_PASSWORD, number=DEMO_MEMBER_NUMBER):
    page.goto("/member/login")
    expect(page.get_by_role("heading", name="会員ログイン")).to_be_visible()
    page.get_by_label("会員番号").fill(number)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()


def open_menu_entry(page, viewport, label):
    """Click a members-area menu entry, opening the three-line menu first on a phone."""
    if viewport == "phone":
        page.wait_for_load_state("load")  # the menu script is deferred: wait until it listens
        toggle = page.get_by_role("button", name="メニュー")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    page.locator("nav#member-menu").get_by_role("link", name=label).click()


def shoot(page, artifacts_dir, name):
    """Full-page screenshot once the page, its stylesheet and web fonts have finished loading
    (taken earlier, the page height can still be the viewport's and the shot comes out cut)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)
