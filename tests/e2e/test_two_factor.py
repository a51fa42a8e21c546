"""Staff two-factor login in the browser (1280x800): the first login enrols the authenticator
app from the QR code page, the next login asks for a code, and a recovery code works once."""

import re

import pytest
from playwright.sync_api import expect

from membership.demo import DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME
from tests.e2e.helpers import enrol_staff, shoot, staff_log_in_with_password, totp_code, wait_for_next_code_window

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["desktop"])
def test_staff_enrol_an_app_and_log_in_with_a_code(page, viewport, artifacts_dir):
    staff_log_in_with_password(page, DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
    expect(page).to_have_url(re.compile(r"/staff/two-factor/setup"))
    expect(page.locator("svg.two-factor-qr-code")).to_be_visible()
    shoot(page, artifacts_dir, "two-factor-desktop-setup")
    page.goto("/admin/pages/")  # the admin stays closed until the app is enrolled
    expect(page).to_have_url(re.compile(r"/staff/two-factor/setup"))
    page.get_by_role("link", name="ログアウト").click()

    secret, codes = enrol_staff(page, DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
    assert len(codes) == 10
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#wagtail")).to_be_visible()

    # A new browser session: password, then a code from the app.
    page.context.clear_cookies()
    staff_log_in_with_password(page, DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
    expect(page.get_by_role("heading", name="2段階認証")).to_be_visible()
    page.get_by_label("確認コード").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_text("確認コードが正しくありません")).to_be_visible()
    shoot(page, artifacts_dir, "two-factor-desktop-verify-error")
    wait_for_next_code_window()  # the enrolment used this window's code; also past the throttle
    page.get_by_label("確認コード").fill(totp_code(secret))
    page.get_by_role("button", name="確認する").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#wagtail")).to_be_visible()

    # Phone lost: one recovery code, once.
    page.context.clear_cookies()
    staff_log_in_with_password(page, DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD)
    page.get_by_label("確認コード").fill(codes[0])
    page.get_by_role("button", name="確認する").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
